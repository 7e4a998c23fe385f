import { shippedModels } from '@raunet/models';
import { shippedModelDir } from '@raunet/models/node';
import { readViewerReport, serveViewer, type ServedCase } from '@raunet/viewer/node';
import { caseName } from '@raunet/io';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';
import { openBrowser } from '../internal/open-browser.js';

/** `raunet view CT [--mask M] [--truth T] [--prob P] [--mesh S] [--no-open]` or `raunet view DIR`. */
export const command = defineCommand({
  usage: 'raunet view CT.nii.gz [--mask M] [--truth T] [--prob P] [--mesh S] [--no-open] | raunet view REPORT_DIR',
  flags: {
    mask: { type: 'string', value: 'FILE', description: 'predicted mask (NIfTI on the CT grid), shown in red' },
    truth: { type: 'string', value: 'FILE', description: 'ground-truth mask, shown in green; the page prints the DSC' },
    prob: { type: 'string', value: 'FILE', description: 'probability map (NIfTI float), hidden until switched on' },
    mesh: { type: 'string', value: 'FILE', description: 'lesion surface (.stl, .ply, .obj), in the 3D view' },
    port: { type: 'integer', min: 0, max: 65535, value: 'N', description: 'port on 127.0.0.1', defaultText: 'a free one' },
    'no-open': { type: 'boolean', description: 'do not open a browser, only print the URL' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new CliUsageError('view: give one CT file or one report folder (from predict --report)');
    const target = args.positionals[0];
    const port = args.flags.port ?? 0;
    const kind = await assertExists(target);
    const { mask, truth, prob, mesh } = args.flags;
    const files = { mask, truth, prob, mesh };
    let cases: ServedCase[];
    let title: string;
    if (kind === 'dir') {
      const given = Object.entries(files).filter(([, v]) => v !== undefined);
      if (given.length) throw new CliUsageError(`view: --${given[0][0]} goes with a CT file, not with a report folder`);
      ({ cases, title } = await readViewerReport(target));
    } else {
      if (files.mesh && !/\.(stl|ply|obj)$/i.test(files.mesh)) throw new CliUsageError(`view: --mesh must end in .stl, .ply or .obj, received '${files.mesh}'`);
      cases = [{ name: caseName(target), ct: target, ...Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) }];
      title = `RA-Unet viewer: ${caseName(target)}`;
    }
    const models = shippedModels().map((m) => ({ name: m.name, dir: shippedModelDir(m.name), description: m.title }));
    const server = await serveViewer({ cases, models, title, port });
    io.stdout(`${server.url}\n`);
    io.stderr(`raunet view: serving ${cases.length} case(s) read-only on ${server.url} (Ctrl-C stops)\n`);
    if (!args.flags['no-open'] && !(await openBrowser(server.url))) io.stderr('raunet view: no browser could be opened here; open the URL above\n');
    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) return resolve();
      io.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return 0;
  },
});
