export { ConfigValidationError, EnvBoolean, loadConfig } from './load-config';
export { AtMost } from './config.rules';
