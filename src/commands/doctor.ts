import * as Flags from '@oclif/core/flags';
import { describeUses, neededImages } from '../course/images.js';
import { listPacks, packRoots } from '../course/packs.js';
import { runDoctor } from '../engine/doctor.js';
import { makeStyle, colorWanted } from '../ui/style.js';
import { ShipshapeCommand } from '../cli/base.js';
import { engineFlags, courseFlags } from '../cli/flags.js';

export default class Doctor extends ShipshapeCommand {
  static override description =
    'Check the setup: which engine and how it was found, its version, platform, storage and free disk, BuildKit, Compose, and every base image the challenges need. Exit 1 on any failure.';
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --docker-host ssh://me@buildbox'];
  static override flags = {
    ...engineFlags,
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(Doctor);
    const needed = await neededImages(await listPacks(await packRoots(flags.pack ?? [], flags.course)));
    const images = needed.map((image) => ({ ref: image.ref, neededBy: describeUses(image.uses) }));
    const report = await runDoctor({ dockerHost: flags['docker-host'], images });
    if (!this.jsonEnabled()) {
      const style = makeStyle(colorWanted(process.stdout));
      const mark = { ok: style.green('✔'), warn: style.yellow('!'), fail: style.red('✖') };
      const width = Math.max(...report.findings.map((finding) => finding.title.length));
      for (const finding of report.findings) {
        this.log(`${mark[finding.status]} ${finding.title.padEnd(width)}  ${finding.detail}`);
        if (finding.fix) this.log(`  ${' '.repeat(width)}  → ${finding.fix}`);
      }
      const { ok, warn, fail } = report.counts;
      this.log(`\n${fail === 0 ? style.green('Ready.') : style.red('Not ready.')} ${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed.`);
    }
    process.exitCode = report.ok ? 0 : 1;
    return report;
  }
}
