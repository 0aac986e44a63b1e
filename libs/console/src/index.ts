export { ConsoleModule } from './console.module';
export { ConsoleConfig } from './console.config';
