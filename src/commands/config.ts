import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { hashPasswordCommand } from './hash-password.js';

/** `evse config check FILE`: validates a config file and prints the effective configuration. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('check')
    .argument('<file>', 'JSON config file')
    .option('--print', 'print the effective configuration with defaults filled in')
    .description('validate a config file; exits 78 naming the bad field and value when it is invalid')
    .action((file: string, opts: { print?: boolean }) => {
      const cfg = loadConfigFile(file);
      process.stdout.write(`${file}: valid\n`);
      if (opts.print) process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
    });
  config
    .command('hash-password')
    .description('read the operator password from stdin (not echoed on a terminal) and print its scrypt hash for web.operatorPasswordHash')
    .action(() => hashPasswordCommand({ stdin: process.stdin, stderr: process.stderr, write: (text) => process.stdout.write(text) }));
}
