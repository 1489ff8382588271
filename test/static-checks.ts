/**
 * The type check and the lint in one process over one TypeScript program (`npm run check`, part of
 * `npm test`): exactly `tsc --noEmit` (tsconfig.json's diagnostics) and `eslint .` (eslint.config.mjs,
 * type-aware rules included), but the program is built and type-checked once instead of twice:
 * typescript-eslint takes it through its `programs` parser option instead of building its own with the
 * project service. `npm run typecheck` and `npm run lint` still run the two tools on their own.
 */
import { ESLint } from 'eslint';
import ts from 'typescript';

function typeCheck(): { program: ts.Program; ok: boolean } {
  const parsed = ts.getParsedCommandLineOfConfigFile('tsconfig.json', undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => report([diagnostic]),
  });
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    configFileParsingDiagnostics: parsed.errors,
  });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  report(diagnostics);
  return { program, ok: diagnostics.length === 0 };
}

function report(diagnostics: readonly ts.Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const host: ts.FormatDiagnosticsHost = {
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

async function lint(program: ts.Program): Promise<boolean> {
  const eslint = new ESLint({
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, programs: [program] } } },
  });
  const results = await eslint.lintFiles(['.']);
  const formatter = await eslint.loadFormatter('stylish');
  process.stdout.write(await formatter.format(results));
  return results.every((result) => result.errorCount === 0 && result.fatalErrorCount === 0);
}

async function main(): Promise<void> {
  const { program, ok: typesOk } = typeCheck();
  const lintOk = await lint(program);
  if (typesOk && lintOk) process.stdout.write('tsc --noEmit and eslint: no problems\n');
  process.exitCode = typesOk && lintOk ? 0 : 1;
}

void main();
