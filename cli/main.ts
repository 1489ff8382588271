/**
 * `edge-certs`: the admin CLI of the certificate registry and the truststore (docs/reference.md#cli).
 * Exit status: 0 success, 2 bad input or usage, 1 any other failure.
 */
import { parseArgs } from 'node:util';
import { auditCommand } from './commands/audit';
import { allowCommand, registerCommand } from './commands/register';
import { listCommand, removeCommand, revokeCommand, showCommand } from './commands/entries';
import { preflightCommand } from './commands/preflight';
import type { Command, Options, Values } from './commands/spec';
import { truststoreBuildCommand, truststoreCheckCommand } from './commands/truststore';
import { STACK_NAME } from '../shared/contracts/stack';
import { asError, errorMessage } from '../shared/errors';
import { Context } from './context';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors';
import type { CliIo } from './io';
import { describeUnreachable } from './next-steps';

export type { CliIo } from './io';

const COMMANDS: readonly Command[] = [
  registerCommand,
  allowCommand,
  revokeCommand,
  removeCommand,
  showCommand,
  listCommand,
  auditCommand,
  truststoreBuildCommand,
  truststoreCheckCommand,
  preflightCommand,
];

const GLOBAL_OPTIONS = {
  table: { type: 'string' },
  stack: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

const GLOBAL_HELP = [
  '  --table NAME      the registry table (default: $REGISTRY_TABLE_NAME, else the RegistryTableName',
  `                    output of the deployed stack)`,
  `  --stack NAME      the stack to read that output from (default: ${STACK_NAME})`,
  '  -h, --help        this help',
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: edge-certs [--table NAME] [--stack NAME] <command> [options]',
    '',
    'The certificate registry (DynamoDB) and the mTLS truststore of the customer edge; with',
    "--auth0-client and audit, the Auth0 clients' mTLS credentials too (Management API).",
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options (before or after the command):',
    ...GLOBAL_HELP,
    '',
    'Region, endpoint and credentials come from the AWS SDK settings (AWS_REGION, AWS_PROFILE,',
    'AWS_ENDPOINT_URL_DYNAMODB, ...). A loopback endpoint needs no credentials.',
    'Exit status: 0 success, 2 bad input or usage, 1 any other failure.',
    "Run 'edge-certs <command> --help' for a command's options.",
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `usage: ${command.usage}`,
    '',
    `${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    ...command.details,
    ...(command.usesRegistry ? GLOBAL_HELP.slice(0, 3) : []),
    GLOBAL_HELP[3] as string,
    '',
  ].join('\n');
}

/** Every option any command knows, so a first lenient pass can find the command words. */
function allOptions(): Options {
  const options: Options = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) {
    for (const [name, option] of Object.entries(command.options))
      options[name] = { ...option, multiple: true };
  }
  return options;
}

/**
 * `--name VALUE` as `--name=VALUE` where VALUE starts with `-` but is no option: node's parseArgs refuses
 * such a value as ambiguous, and one thumbprint in 64 (base64url) starts with `-`. A token that spells
 * an option (`--json`, `-h`) stays an option, so `--cert --json` still reads as a missing value.
 */
export function attachDashValues(argv: readonly string[], options: Options): string[] {
  const spellings = new Set(['--']);
  for (const [name, option] of Object.entries(options)) {
    spellings.add(`--${name}`);
    if (option.short) spellings.add(`-${option.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const takesValue = name !== undefined && options[name]?.type === 'string';
    const optionLike = next !== undefined && (spellings.has(next) || spellings.has(next.split('=')[0]!));
    if (takesValue && next !== undefined && next.startsWith('-') && !optionLike) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function findCommand(words: readonly string[]): { command?: Command; rest: readonly string[] } {
  const two = COMMANDS.find((c) => c.name === `${words[0]} ${words[1]}`);
  if (two) return { command: two, rest: words.slice(2) };
  const one = COMMANDS.find((c) => c.name === words[0]);
  return one ? { command: one, rest: words.slice(1) } : { rest: words };
}

function parseError(error: unknown, where: string): CliError {
  // parseArgs explains at length how to pass a positional starting with '-': keep the first sentence.
  const message = errorMessage(error).split(/\n|\. /)[0] ?? 'bad arguments';
  return new CliError(
    EXIT_USAGE,
    `${where}: ${message} (see edge-certs ${where === 'edge-certs' ? '' : `${where} `}--help)`,
  );
}

/** Runs the CLI; never throws; returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let ctx: Context | undefined;
  const write = (text: string): unknown => io.stderr.write(ctx ? ctx.redact(text) : text);
  try {
    const args = attachDashValues(argv, allOptions());
    let positionals: string[];
    try {
      ({ positionals } = parseArgs({
        args,
        options: allOptions(),
        allowPositionals: true,
        strict: false,
      }));
    } catch (error) {
      throw parseError(error, 'edge-certs');
    }
    const { command, rest } = findCommand(positionals);
    if (!command) {
      if (positionals.length === 0 || positionals[0] === 'help') {
        const topic = positionals[0] === 'help' ? findCommand(positionals.slice(1)).command : undefined;
        io.stdout.write(topic ? commandHelp(topic) : mainHelp());
        return positionals.length === 0 && !args.some((a) => a === '--help' || a === '-h')
          ? EXIT_USAGE
          : EXIT_OK;
      }
      const known = positionals[0] === 'truststore' ? ' (truststore build | truststore check)' : '';
      throw new CliError(
        EXIT_USAGE,
        `unknown command '${positionals.join(' ')}'${known}; see edge-certs --help`,
      );
    }
    let values: Values;
    try {
      ({ values } = parseArgs({
        args,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      }) as { values: Values });
    } catch (error) {
      throw parseError(error, command.name);
    }
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    const expected = command.positionals ?? [];
    if (rest.length !== expected.length) {
      const detail =
        rest.length > expected.length
          ? `unexpected argument '${rest[expected.length]}'`
          : `missing ${expected[rest.length]}`;
      throw new CliError(EXIT_USAGE, `${command.name}: ${detail}; usage: ${command.usage}`);
    }
    ctx = new Context(io, {
      table: values.table as string | undefined,
      stack: values.stack as string | undefined,
    });
    return await command.run(ctx, values, rest);
  } catch (error) {
    if (error instanceof CliError) {
      write(`edge-certs: ${error.message}\n`);
      return error.exitCode;
    }
    const e = asError(error);
    const unreachable = describeUnreachable(error, io.env);
    const detail = unreachable
      ? unreachable
      : e.name === 'ResourceNotFoundException'
        ? `registry table not found (${e.message.split('\n')[0]})`
        : `${e.name}: ${e.message.split('\n')[0]}`;
    write(`edge-certs: ${detail}\n`);
    return EXIT_FAILURE;
  } finally {
    ctx?.close();
  }
}

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE };
