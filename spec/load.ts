/**
 * Team files in, validated specs out. YAML is parsed once, here; every problem in a file is
 * collected (syntax, schema, cross-field rules) and thrown together as one TeamFileError, each
 * naming the file, the line, the field, what is wrong and what would be right.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { z } from 'zod';
import { TeamFileError, type FieldPath, type Problem } from './problems.js';
import { TEAM_NAME, TeamFileSchema, type TeamSpec } from './schema.js';
import { enumValues, expectation, fieldsAt, schemaAt } from './schema-walk.js';
import { closest, didYouMean, listForMessage } from './suggest.js';
import { crossFieldProblems, type RawProblem } from './validate.js';

/** Fields people put in the wrong place, and what to do instead. */
const MISPLACED: Record<string, string> = {
  team: 'the team name is the file name (teams/<team>.yaml); remove this field.',
  name: 'the team name is the file name (teams/<team>.yaml); remove this field.',
  'aws.tpus': 'TPUs exist only on Google Cloud; remove the block from aws: (TPU nodes belong under gcp:).',
  'aws.project': 'a GCP project belongs under gcp:, as gcp.project.',
  'aws.zones': 'AWS calls them availabilityZones: rename the field.',
  'gcp.availabilityZones': 'GCP calls them zones: rename the field.',
  'gcp.vpcCidr': 'on GCP the burst network range is subnetCidr: rename the field.',
  'aws.subnetCidr': 'on AWS the burst network range is vpcCidr: rename the field.',
};

/** Describes a YAML value the way a user would name it. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string '${value}'`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

/** Finds the YAML node for a path: the key node when `key` is set (unknown fields), else the value. */
function locate(doc: Document, path: FieldPath, key?: string): Node | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
  const parts = key === undefined ? path : [...path, key];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (pair === undefined) return last;
      const isKeyTarget = key !== undefined && i === parts.length - 1;
      node = isKeyTarget ? pair.key : pair.value ?? pair.key;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
    } else {
      return last;
    }
    if (isMap(node) || isSeq(node) || isScalar(node)) last = node;
  }
  return last;
}

interface Located {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** Ties a problem to its file and line; `key` points at a mapping key (the last element of the path) rather than its value. */
function problemAt(at: Located, raw: RawProblem, key?: string): Problem {
  const node = key === undefined ? locate(at.doc, raw.path) : locate(at.doc, raw.path.slice(0, -1), key);
  const offset = node?.range?.[0];
  const pos = offset === undefined ? undefined : at.lines.linePos(offset);
  return {
    file: at.file,
    path: raw.path,
    ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
    message: raw.message,
    ...(raw.fix === undefined ? {} : { fix: raw.fix }),
  };
}

function unknownKeyProblem(path: FieldPath, key: string): RawProblem {
  const dotted = [...path, key].filter((p) => typeof p === 'string').join('.');
  const hint = MISPLACED[dotted];
  const fields = fieldsAt(TeamFileSchema, path);
  const where = path.length === 0 ? 'a team file' : `${path.filter((p) => typeof p === 'string').join('.')}:`;
  if (hint !== undefined) return { path: [...path, key], message: `'${key}' is not a field of ${where}`, fix: hint };
  return {
    path: [...path, key],
    message: `unknown field '${key}' in ${where}${didYouMean(key, fields)}`,
    fix: `remove it, or use one of ${listForMessage(fields, 12)}.`,
  };
}

/** Turns one zod issue into problems (an unrecognized_keys issue names several keys). */
function issueProblems(issue: z.core.$ZodIssue, root: unknown): { raw: RawProblem; key?: string }[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const found = schemaAt(TeamFileSchema, path);
  const expected = found === undefined ? undefined : expectation(found);
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ raw: unknownKeyProblem(path, key), key }));
    case 'invalid_type': {
      const missing = value === undefined;
      const bare = found === undefined ? issue.expected : expectation(found, false);
      const message = missing ? 'is required' : `expected ${bare}, got ${describeValue(value)}`;
      const fix = missing ? `add it: ${expected ?? issue.expected}.` : `write ${expected ?? issue.expected}.`;
      return [{ raw: { path, message, fix } }];
    }
    case 'invalid_value': {
      const values = (found && enumValues(found)) ?? issue.values.map(String);
      if (value === undefined) {
        return [{ raw: { path, message: 'is required', fix: `add it: one of ${listForMessage(values, 12)}.` } }];
      }
      const text = String(value);
      const field = path[path.length - 1];
      const what = field === 'region' ? `${path[0] === 'aws' ? 'an AWS' : 'a GCP'} region gpu-burst knows` : 'an allowed value';
      return [
        {
          raw: {
            path,
            message: `'${text}' is not ${what}${didYouMean(text, values)}`,
            fix: `use one of ${listForMessage(values, 12)}.`,
          },
        },
      ];
    }
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const side = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        return [
          {
            raw: {
              path,
              message: `has ${n} ${n === 1 ? 'entry' : 'entries'}; it needs ${side} ${bound}`,
              fix: `write ${expected ?? `${side} ${bound} entries`}.`,
            },
          },
        ];
      }
      return [{ raw: { path, message: `${String(value)} is out of range: it must be ${side} ${bound}`, fix: `write ${expected ?? `${side} ${bound}`}.` } }];
    }
    case 'invalid_format':
      return [
        {
          raw: {
            path,
            message: `'${String(value)}' ${issue.message.startsWith('Invalid') ? 'has the wrong format' : issue.message}`,
            ...(found?.examples?.[0] === undefined ? {} : { fix: `e.g. ${String(found.examples[0])}.` }),
          },
        },
      ];
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      const key = String(path[path.length - 1]);
      return [{ raw: { path, message: `the key '${key}' ${inner}`, fix: 'rename the key.' }, key }];
    }
    default:
      return [{ raw: { path, message: issue.message, ...(expected === undefined ? {} : { fix: `write ${expected}.` }) } }];
  }
}

/** Checks a team name; returns a problem for the file when it is not a valid name. */
function teamNameProblem(file: string, team: string): Problem | undefined {
  if (TEAM_NAME.test(team)) return undefined;
  const suggestion = team
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 30);
  return {
    file,
    path: [],
    message: `'${team}' is not a valid team name (the team name is the file name)`,
    fix:
      'a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash' +
      (TEAM_NAME.test(suggestion) ? `; rename the file to ${suggestion}.yaml.` : '.'),
  };
}

function yamlProblems(at: Located, source: string): Problem[] {
  return at.doc.errors.map((err) => {
    const offset = err.pos[0];
    const pos = at.lines.linePos(offset);
    const firstLine = err.message.split('\n')[0] ?? err.message;
    const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
    if (err.code === 'DUPLICATE_KEY') {
      const key = /^\s*([^:#\n]+?)\s*:/.exec(source.slice(err.pos[0]))?.[1] ?? 'a key';
      return {
        file: at.file,
        path: [],
        line: pos.line,
        column: pos.col,
        message: `YAML: the key '${key}' appears twice in the same mapping`,
        fix: 'keep one of them.',
      };
    }
    return {
      file: at.file,
      path: [],
      line: pos.line,
      column: pos.col,
      message: `YAML syntax: ${message}`,
      fix: 'correct the YAML (indent with spaces, "key: value", "- item" for lists).',
    };
  });
}

/**
 * Parses and validates one team file's text. `file` names it in messages; the team name comes
 * from its base name. Returns the spec or the full list of problems.
 */
export function parseTeamFile(file: string, source: string): { spec?: TeamSpec; problems: Problem[] } {
  const team = basename(file).replace(/\.ya?ml$/, '');
  const problems: Problem[] = [];
  if (!/\.yaml$/.test(file)) {
    problems.push({ file, path: [], message: 'a team file must end in .yaml', fix: `rename it to ${team}.yaml.` });
  }
  const nameProblem = teamNameProblem(file, team);
  if (nameProblem) problems.push(nameProblem);

  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at: Located = { file, doc, lines };
  if (doc.errors.length > 0) return { problems: [...problems, ...yamlProblems(at, source)] };

  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) {
    problems.push({
      file,
      path: [],
      message: 'the file is empty',
      fix: "a team file needs at least an aws: or gcp: section; copy teams/example.yaml to start.",
    });
    return { problems };
  }
  if (typeof root !== 'object' || Array.isArray(root)) {
    problems.push({
      file,
      path: [],
      line: 1,
      column: 1,
      message: `the file holds ${describeValue(root)}, not a mapping of fields`,
      fix: 'write "field: value" lines at the top level, as in teams/example.yaml.',
    });
    return { problems };
  }

  const parsed = TeamFileSchema.safeParse(root);
  const schemaIssues = parsed.success ? [] : parsed.error.issues;
  const reported: string[] = [];
  for (const issue of schemaIssues) {
    for (const { raw, key } of issueProblems(issue, root)) {
      problems.push(problemAt(at, raw, key));
      reported.push(raw.path.map(String).join('.'));
    }
  }
  for (const raw of crossFieldProblems(root)) {
    const dotted = raw.path.map(String).join('.');
    const already = reported.some((r) => r !== '' && (dotted === r || dotted.startsWith(`${r}.`)));
    if (!already) problems.push(problemAt(at, raw));
  }

  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (problems.length > 0 || !parsed.success) return { problems };
  return { spec: { ...parsed.data, team, file }, problems };
}

/** Reads and validates one team file; throws TeamFileError with every problem. */
export function loadTeamFile(file: string): TeamSpec {
  return loadTeamFiles([file])[0] as TeamSpec;
}

/** Reads and validates several team files; throws one TeamFileError with every problem of all of them. */
export function loadTeamFiles(files: readonly string[]): TeamSpec[] {
  const specs: TeamSpec[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({
        file,
        path: [],
        message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`,
        fix: code === 'ENOENT' ? 'check the path, or run `burst fork <team>` to create a team.' : 'check its permissions.',
      });
      continue;
    }
    const result = parseTeamFile(file, source);
    problems.push(...result.problems);
    if (result.spec) {
      const other = seen.get(result.spec.team);
      if (other !== undefined) {
        problems.push({ file, path: [], message: `team '${result.spec.team}' is also defined by ${other}`, fix: 'give each team one file.' });
      }
      seen.set(result.spec.team, file);
      specs.push(result.spec);
    }
  }
  if (problems.length > 0) throw new TeamFileError(problems);
  return specs;
}

/** The team files in a directory (`*.yaml`), sorted by name. */
export function teamFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Resolves what a user typed on the command line to team files: a path to a `.yaml` file is used as
 * it is; a bare name is `<teamsDir>/<name>.yaml`. No arguments means every team in `teamsDir`.
 */
export function resolveTeamArgs(args: readonly string[], teamsDir: string): string[] {
  if (args.length === 0) return teamFilesIn(teamsDir);
  return args.map((arg) => {
    if (arg.endsWith('.yaml') || arg.endsWith('.yml') || arg.includes('/')) return arg;
    return join(teamsDir, `${arg}.yaml`);
  });
}

/** Suggests an existing team for a name that has no file. */
export function suggestTeam(name: string, teamsDir: string): string | undefined {
  return closest(
    name,
    teamFilesIn(teamsDir).map((f) => basename(f, '.yaml')),
  );
}
