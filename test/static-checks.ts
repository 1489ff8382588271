/**
 * The type check and the lint in one process over one TypeScript program (`npm run check`, part of
 * `npm test`): exactly `tsc --noEmit` (tsconfig.json's diagnostics) and `eslint .` (eslint.config.mjs,
 * type-aware rules included), but the program is built and type-checked once instead of twice:
 * typescript-eslint takes it through its `programs` parser option instead of building its own with the
 * project service. `npm run typecheck` and `npm run lint` still run the two tools on their own.
 *
 * What they learnt stays in node_modules/.cache/static-checks (a fresh clone has none: its first run
 * does everything):
 * - when nothing either tool reads changed since the last clean run (a digest of every TypeScript and
 *   JavaScript file in the repository, the tools' configs and the lock file, which pins both tools and
 *   every type they read), the run says so and stops, as `tsc --build` does for an up-to-date project;
 * - otherwise the type check is incremental (`tsc --incremental`'s build info: unchanged files keep
 *   their diagnostics) and the lint runs in full. Not per file, as `eslint --cache` would: with
 *   type-aware rules a change in one file can change the findings in another.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ESLint as ESLintClass } from 'eslint';
import type TypeScript from 'typescript';
import type { Diagnostic, FormatDiagnosticsHost, Program } from 'typescript';

// Loaded only when the inputs changed: the up-to-date run stops after the digest.
let ts: typeof TypeScript;
let ESLint: typeof ESLintClass;

const CACHE = join('node_modules', '.cache', 'static-checks');
const CLEAN_STAMP = join(CACHE, 'clean.sha256');
const CONFIGS = ['tsconfig.json', 'eslint.config.mjs', 'package-lock.json', 'test/static-checks.ts'];

function typeCheck(): { program: Program; ok: boolean } {
  const parsed = ts.getParsedCommandLineOfConfigFile('tsconfig.json', undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => report([diagnostic]),
  });
  if (!parsed) throw new Error('tsconfig.json could not be read');
  mkdirSync(CACHE, { recursive: true });
  const builder = ts.createIncrementalProgram({
    rootNames: parsed.fileNames,
    options: { ...parsed.options, incremental: true, tsBuildInfoFile: join(CACHE, 'tsbuildinfo') },
    projectReferences: parsed.projectReferences,
    configFileParsingDiagnostics: parsed.errors,
  });
  // What getPreEmitDiagnostics reads, with the semantic diagnostics of unchanged files from the build info.
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  builder.emit(); // noEmit: writes only the build info
  report(diagnostics);
  return { program: builder.getProgram(), ok: diagnostics.length === 0 };
}

function report(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const host: FormatDiagnosticsHost = {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  };
  // As tsc: with colours and source context on a terminal, one line per diagnostic otherwise.
  process.stdout.write(
    process.stdout.isTTY
      ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host)
      : ts.formatDiagnostics(diagnostics, host),
  );
  process.stdout.write(`\ntsc: ${diagnostics.length} error(s)\n`);
}

/** A digest of everything the two tools read (git's view: tracked files and untracked, unignored ones). */
function inputsDigest(): string {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  });
  const files = listed
    .split('\0')
    .filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && existsSync(f))
    .sort();
  const hash = createHash('sha256');
  for (const file of [...CONFIGS, ...files]) hash.update(`${file}\0`).update(readFileSync(file));
  return hash.digest('hex');
}

function lastClean(): string {
  try {
    return readFileSync(CLEAN_STAMP, 'utf8');
  } catch {
    return ''; // never clean here
  }
}

async function lint(program: Program): Promise<boolean> {
  const eslint = new ESLint({
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, programs: [program] } } },
  });
  const results = await eslint.lintFiles(['.']);
  const formatter = await eslint.loadFormatter('stylish');
  process.stdout.write(await formatter.format(results));
  return results.every((result) => result.errorCount === 0 && result.fatalErrorCount === 0);
}

async function main(): Promise<void> {
  const inputs = inputsDigest();
  if (inputs === lastClean()) {
    process.stdout.write(
      'tsc --noEmit and eslint: no problems (nothing they read changed since the last clean run)\n',
    );
    return;
  }
  ts = (await import('typescript')).default;
  ({ ESLint } = await import('eslint'));
  const { program, ok: typesOk } = typeCheck();
  const lintOk = await lint(program);
  if (typesOk && lintOk) {
    process.stdout.write('tsc --noEmit and eslint: no problems\n');
    writeFileSync(CLEAN_STAMP, inputs);
  }
  process.exitCode = typesOk && lintOk ? 0 : 1;
}

void main();
