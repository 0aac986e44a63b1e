export { DEMO_PEOPLE, demoEvent } from './demo-events';
