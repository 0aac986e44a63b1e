export { inlineLinkHasher, recomputeLinkHashes, type LinkHasher } from './link.hasher';
export { LinkHashPool } from './link-hash.pool';
export { appendLink, canonicalEventJson, GENESIS, GENESIS_HASH, linkHash, type ChainedColumns, type ChainHead, type ChainLink, type StoredLink } from './event-chain';
export { keyIdOf, loadPublicKey, loadSigningKey, publicKeyPem, signMessage, verifyMessage, type SigningKey } from './signing';
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
  parseCheckpointLines,
  readPublicKey,
  signCheckpoint,
  type ChainCheckpoint,
  type CheckpointSignatureStatus,
  type SignedChainCheckpoint,
} from './chain-checkpoint';
export {
  CHAIN_BREAK_KINDS,
  verifyStoredChain,
  walkChain,
  type ChainAnchor,
  type ChainBreak,
  type ChainBreakKind,
  type ChainReport,
  type ChainSource,
  type CheckpointCheck,
  type VerifyRequest,
  type WalkPlan,
} from './chain.verifier';
