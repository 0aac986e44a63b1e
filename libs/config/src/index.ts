export { ConfigValidationError, EnvBoolean, loadConfig } from './load-config';
