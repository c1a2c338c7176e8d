import { Help } from '@oclif/core';

/** Root help lists every command, not only the topics, so `shipshape --help` shows what there is to run. */
export default class ShipshapeHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const commands = this.sortedCommands.filter((command) => !command.hidden);
    if (commands.length === 0) return;
    const width = Math.max(...commands.map((command) => command.id.length));
    this.log(this.section('COMMANDS', commands.map((command) => `${command.id.padEnd(width)}  ${(command.summary ?? command.description ?? '').split('\n')[0]}`).join('\n')));
  }
}
