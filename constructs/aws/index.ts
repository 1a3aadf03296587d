/** AWS CDK constructs of gpu-burst, usable in any CDK app without a team file. */
export { ArtifactStore, type ArtifactStoreProps } from './artifact-store.js';
export { BurstNetwork, type BurstNetworkProps, EGRESS_PARAMETER, EGRESS_CONDITION } from './burst-network.js';
export { AutoShutdown, type AutoShutdownProps, BACKSTOP_CODE_DIR, SPOT_DETAIL_TYPES } from './auto-shutdown.js';
export { TeamAlerts, type TeamAlertsProps } from './team-alerts.js';
export { ImageRepository, type ImageRepositoryProps } from './image-repository.js';
export { LogArchive, type LogArchiveProps } from './log-archive.js';
export { acknowledge, MIN_REASON_LENGTH } from './nag.js';
export { applyTeamTags } from './team-tags.js';
export { HARDENED_BUCKET_PROPS } from './hardened-bucket.js';
export { SweepGroup, SWEEP_IMAGE_TYPE, SWEEP_ROOT_DEVICE, type SweepGroupProps } from './sweep-group.js';
export { GpuFleet, CHECKPOINT_HOOK, CHECKPOINT_HOOK_TIMEOUT_SECONDS, type GpuFleetProps } from './gpu-fleet.js';
export { DevBox, devBoxScript, DEVBOX_JUPYTER_URL, type DevBoxProps } from './dev-box.js';
export { TeamBoundary, applyTeamBoundary, actionsOutsideBoundary, type TeamBoundaryProps } from './team-boundary.js';
export { HostRole, hardenedLaunchTemplate, hostMachineImage, agentUserData, type HostAgentOptions, type HostRoleProps } from './host.js';
