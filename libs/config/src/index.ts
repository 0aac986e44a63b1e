export { ConfigValidationError, loadConfig } from './load-config';
