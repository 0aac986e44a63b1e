export { ConsoleModule } from './console.module';
export { ConsoleConfig } from './console.config';
export { DEMO_PEOPLE, demoEvent } from './demo/demo-events';
