/**
 * Where artifacts live, the same on both clouds (checklist X1): every object a team writes is under
 * `teams/<team>/`, a run's under `teams/<team>/runs/<run>/`, its checkpoints under
 * `.../checkpoints/`. The artifact stores, the on-host agent and the trainer all use these.
 */

/** Key prefix of everything a team stores: `teams/<team>/`. */
export function teamPrefix(team: string): string {
  return `teams/${team}/`;
}

/** Key prefix of one run: `teams/<team>/runs/<run>/`. */
export function runPrefix(team: string, run: string): string {
  return `${teamPrefix(team)}runs/${run}/`;
}

/** Key prefix of a run's checkpoints: `teams/<team>/runs/<run>/checkpoints/`. */
export function checkpointPrefix(team: string, run: string): string {
  return `${runPrefix(team, run)}checkpoints/`;
}
