/** Pulumi components of gpu-burst for GCP, usable in any Pulumi program without a team file. */
export { ArtifactStore, type ArtifactStoreArgs } from './artifact-store.js';
export { BurstNetwork, type BurstNetworkArgs } from './burst-network.js';
export { ImageRepository, type ImageRepositoryArgs } from './image-repository.js';
export { RETAINED_DELETION_POLICY, retainedDataOptions } from './retain.js';
