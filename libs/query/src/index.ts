export { QueryModule } from './query.module';
export { QueryConfig } from './query.config';
export type { Principal, Role } from './auth/principal';
