import { RaunetError } from '@raunet/core';
import { helpText, parseFlags } from './internal/args.js';
import { CliUsageError, type CliIO } from './internal/context.js';
import { COMMANDS } from './internal/registry.js';

/** The text of `raunet --help`. */
export function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `raunet: COVID-19 lung infection segmentation in 3D CT (RA-Unet)\n\nUsage: raunet <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun 'raunet <command> --help' for a command's options.\n`;
}

/**
 * Runs the command line in-process and resolves to the exit code: 0 success, 1 failure (one line on
 * stderr naming the file and the problem), 2 wrong usage. Never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await runCli(['info', 'ct.nii.gz'], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { version: string };
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr(`raunet: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(helpText(command.usage, entry.summary, command.flags));
      return 0;
    }
    const args = parseFlags(name, rest, command.flags);
    return await command.run(args, io);
  } catch (e) {
    if (CliUsageError.isInstance(e)) {
      io.stderr(`raunet ${e.message}\nRun 'raunet ${name} --help' for usage.\n`);
      return 2;
    }
    if (RaunetError.isInstance(e)) {
      io.stderr(`raunet ${name}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`raunet ${name}: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
