import type { Command } from 'commander';

/** `evse sim`: placeholder replaced by the simulator runner in this same change series. */
export function registerSimCommand(program: Command): void {
  program.command('sim').description('run the station on the simulator').action(() => {
    throw new Error('evse sim is not wired yet');
  });
}
