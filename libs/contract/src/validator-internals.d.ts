// Type declarations for two internals the validator compiler reads (class-validator's and
// class-transformer's published .d.ts files sit under types/, their code under cjs/).
declare module 'class-validator/cjs/validation/ValidationUtils' {
  export { ValidationUtils } from 'class-validator/types/validation/ValidationUtils';
}
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
