/** The cloud-neutral core: team files, the catalog, plans and their cost. No CDK or Pulumi imports. */
export * as catalog from './catalog/index.js';
export { standingCost, HOURS_PER_MONTH, type CloudCost, type CostLine } from './cost.js';
export { checkpointPrefix, runPrefix, teamPrefix } from './layout.js';
export { loadTeamFile, loadTeamFiles, parseTeamFile, teamFilesIn } from './load.js';
export { planTeam, teamTags, type AwsPlan, type CloudPlan, type GcpPlan, type PlanItem, type TeamPlan } from './plan.js';
export { TeamFileError, formatProblem, type Problem } from './problems.js';
export { TeamFileSchema, type TeamFile, type TeamSpec } from './schema.js';
export { imageFor, imageStatus, loadImageLock, teamImageHosts, type ImageChoice, type ImageHost } from './images.js';
