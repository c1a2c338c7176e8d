import { Help } from '@oclif/core/help';

/** Root help lists every command, not only the topics, so `shipshape --help` shows what there is to run. */
export default class ShipshapeHelp extends Help {
  /**
   * oclif shows the root help for a bare `shipshape` (no arguments at all: `--help` arrives here as a
   * flag). On an interactive terminal that is where the learner wants the course menu instead.
   */
  override async showHelp(argv: string[]): Promise<void> {
    if (argv.length === 0 && menuWanted()) {
      await this.config.runCommand('menu');
      return;
    }
    await super.showHelp(argv);
  }

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const all = this.sortedCommands.filter((command) => !command.hidden);
    // An alias is listed once, under the command it names.
    const commands = all.filter((command) => !all.some((other) => other.id !== command.id && other.aliases.includes(command.id)));
    if (commands.length === 0) return;
    const width = Math.max(...commands.map((command) => command.id.length));
    this.log(this.section('COMMANDS', commands.map((command) => `${command.id.padEnd(width)}  ${(command.summary ?? command.description ?? '').split('\n')[0]}`).join('\n')));
  }
}

function menuWanted(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI;
}
