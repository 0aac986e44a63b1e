export { inlineLinkHasher, recomputeLinkHashes, type LinkHasher } from './link.hasher';
export { LinkHashPool } from './link-hash.pool';
export {
  appendLink,
  canonicalEventJson,
  chainTime,
  chainTimeMs,
  GENESIS,
  GENESIS_HASH,
  linkHash,
  type ChainedColumns,
  type ChainHead,
  type ChainLink,
  type ChainState,
  type LinkRetention,
  type StoredLink,
} from './event-chain';
export { keyIdOf, loadPublicKey, loadSigningKey, publicKeyPem, signatureStatus, signMessage, verifyMessage, type SignatureStatus, type SigningKey } from './signing';
export {
  canonicalJson,
  ExportManifestBuilder,
  MANIFEST_SIGNING_PREFIX,
  signManifest,
  VERIFIED_EXPORT_FORMAT,
  verifiedExportLine,
  verifyManifest,
  type ExportFilters,
  type ExportManifest,
  type ManifestOrganization,
  type SignedManifest,
} from './export-manifest';
export {
  DAY_MS,
  linkExpiry,
  MAX_RETENTION_DAYS,
  parseRetentionOverrides,
  RetentionPolicy,
  SIX_YEARS_DAYS,
  type OrganizationRetention,
  type RetentionSettings,
  type RetentionSource,
} from './retention.policy';
export {
  checkpointMessage,
  checkpointSignatureStatus,
  newestCheckpoint,
  readPublicKey,
  signCheckpoint,
  type ChainCheckpoint,
  type CheckpointSignatureStatus,
  type SignedChainCheckpoint,
} from './chain-checkpoint';
export {
  CHAIN_BREAK_KINDS,
  walkChain,
  type ChainAnchor,
  type ChainBreak,
  type ChainBreakKind,
  type ChainReport,
  type CheckpointCheck,
  type ExpiryCheck,
  type WalkPlan,
} from './chain.verifier';
export { verifyStoredChain, type ChainSource, type VerifyRequest } from './stored-chain.verifier';
export { EXPIRY_SIGNING_PREFIX, expiryStatementMessage, expiryStatementStatus, signExpiryStatement, type ExpiryStatement, type SignedExpiryStatement } from './expiry-statement';
export { anchorLine, parseAnchorLines, type AnchorFile } from './anchor-file';
