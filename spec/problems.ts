/**
 * Problems found in team files, and the one error type that carries them to the user.
 *
 * A problem names the file, the field path, what is wrong and what would be right. The CLI prints
 * problems as they are; nothing deeper than the loader ever sees unvalidated data.
 */

/** A path into a team file, e.g. `['aws', 'availabilityZones', 1]`. */
export type FieldPath = readonly (string | number)[];

/** One thing wrong with one team file. */
export interface Problem {
  /** The file, as the user named it (relative when it was given relative). */
  readonly file: string;
  /** Field path inside the file; empty for the file as a whole. */
  readonly path: FieldPath;
  /** 1-based line and column of the offending node, when the YAML has one. */
  readonly line?: number;
  readonly column?: number;
  /** What is wrong. */
  readonly message: string;
  /** What would be right. */
  readonly fix?: string;
}

/** Renders a field path the way a user writes it in YAML: `aws.availabilityZones[1]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** One line per problem: `file:line:col  path: message. Fix: ...`. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const field = p.path.length > 0 ? `${formatPath(p.path)}: ` : '';
  const fix = p.fix ? ` Fix: ${p.fix}` : '';
  return `${where}  ${field}${p.message}${fix}`;
}

/** Thrown when one or more team files are invalid; carries every problem found. */
export class TeamFileError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const files = new Set(problems.map((p) => p.file));
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${[...files].join(', ')}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'TeamFileError';
    this.problems = problems;
  }
}

/** An error whose message is meant for the user as it is (a usage or environment problem). */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Built stacks break a policy rule (cdk-nag and CloudFormation rules on AWS, the GCP rules on GCP);
 * carries each finding as `rule at resource: why`.
 */
export class PolicyValidationError extends Error {
  readonly findings: readonly string[];

  constructor(findings: readonly string[]) {
    super(`the stacks fail policy validation (${findings.length} finding${findings.length === 1 ? '' : 's'})`);
    this.name = 'PolicyValidationError';
    this.findings = findings;
  }
}
