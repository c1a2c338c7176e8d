import { ApiError, get, post } from './api.js';
import { formatBytes, h, progressBar, trustedHtml, type Child } from './dom.js';
import { healthPicture, layersPicture, sizePicture, wastedPicture } from './pictures.js';

type Loose = Record<string, any>;
const main = document.getElementById('main')!;
let leaving: (() => void) | null = null;

function show(title: string, ...children: Child[]): void {
  main.replaceChildren(...(children.flat(5).filter(Boolean) as Node[]).map((child) => (typeof child === 'string' ? document.createTextNode(child) : child)));
  document.title = `${title} · Shipshape`;
}

function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const suggestion = error instanceof ApiError ? error.suggestion : null;
  return h('div', { class: 'error', role: 'alert' }, h('p', {}, h('strong', {}, 'Could not do that: '), message), suggestion ? h('p', {}, suggestion) : null);
}

const STATUS_WORDS: Record<string, string> = { passed: 'Passed', 'in-progress': 'In progress', 'not-started': 'Not started' };
const statusBadge = (status: string) => h('span', { class: `badge badge-${status}` }, STATUS_WORDS[status] ?? status);

async function coursePage(): Promise<void> {
  const { outline, courseRoot, notes } = await get<Loose>('/api/course');
  show(
    'Course',
    h('h1', {}, 'Course'),
    h('p', { class: 'muted' }, `Progress and workspaces in ${courseRoot}, shared with the shipshape command line.`),
    (notes as string[]).map((note) => h('p', { class: 'note' }, note)),
    h('section', { 'aria-label': 'Course progress', class: 'summary' }, h('p', {}, `${outline.passed} of ${outline.total} challenges passed`), progressBar(outline.passed, outline.total, 'Course progress')),
    outline.next ? h('p', {}, 'Next: ', h('a', { href: `#/challenge/${outline.next.challenge}` }, outline.next.title)) : null,
    (outline.lessons as Loose[]).map((lesson) =>
      h(
        'section',
        { class: 'lesson-card', 'aria-labelledby': `lesson-${lesson.id}` },
        h('h2', { id: `lesson-${lesson.id}` }, h('a', { href: `#/lesson/${lesson.id}` }, lesson.title)),
        h('div', { class: 'row' }, progressBar(lesson.passed, lesson.total, `${lesson.title} progress`), h('span', {}, `${lesson.passed}/${lesson.total}`)),
        lesson.unlocked ? null : h('p', { class: 'muted' }, `Locked: finish ${lesson.prerequisites.join(', ')} first.`),
        challengeList(lesson.challenges),
      ),
    ),
  );
}

function challengeList(challenges: Loose[]): HTMLElement {
  if (challenges.length === 0) return h('p', { class: 'muted' }, 'No challenges yet.');
  return h(
    'ol',
    { class: 'challenges' },
    challenges.map((challenge) =>
      h(
        'li',
        { 'data-challenge': challenge.id },
        h('a', { href: `#/challenge/${challenge.id}` }, challenge.title),
        ' ',
        statusBadge(challenge.status),
        h('span', { class: 'muted' }, ` ${challenge.difficulty}${challenge.bestPercent !== null ? ` · best ${challenge.bestPercent}%` : ''}${challenge.attempts ? ` · ${challenge.attempts} attempt${challenge.attempts === 1 ? '' : 's'}` : ''}`),
      ),
    ),
  );
}

async function lessonPage(id: string): Promise<void> {
  const lesson = await get<Loose>(`/api/lessons/${encodeURIComponent(id)}`);
  show(lesson.title, h('p', {}, h('a', { href: '#/' }, '← Course')), trustedHtml('article', 'markdown', lesson.html), h('h2', {}, 'Challenges in this lesson'), challengeList(lesson.challenges));
}

async function challengePage(id: string): Promise<void> {
  const data = await get<Loose>(`/api/challenges/${encodeURIComponent(id)}`);
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Challenge actions' });
  const messages = h('div', { 'aria-live': 'polite', class: 'messages' });
  const live = h('section', { class: 'live', 'aria-label': 'Verify progress', hidden: true });
  const results = h('section', { class: 'results', 'aria-label': 'Result' });
  const hints = h('section', { class: 'hints', 'aria-labelledby': 'hints-title' });
  const solution = h('section', { class: 'solution', 'aria-labelledby': 'solution-title' });
  const say = (...children: Child[]) => messages.replaceChildren(h('div', { class: 'note' }, ...children));
  const fail = (error: unknown) => messages.replaceChildren(errorBox(error));

  const button = (label: string, action: () => Promise<void>, attrs: Loose = {}) =>
    h('button', {
      type: 'button',
      ...attrs,
      onclick: async (event: Event) => {
        const target = event.currentTarget as HTMLButtonElement;
        target.disabled = true;
        try {
          await action();
        } catch (error) {
          fail(error);
        } finally {
          target.disabled = false;
        }
      },
    }, label);

  const start = async (force = false) => {
    try {
      const result = await post<Loose>(`/api/challenges/${encodeURIComponent(id)}/start`, { force });
      say(`Started in ${result.dir}: ${result.written.length} files written, ${result.unchanged.length} already up to date.`, result.backupDir ? ` Your changed files were moved to ${result.backupDir}.` : '');
      await challengePage(id);
      say(`Workspace ready: ${result.dir}. Edit ${data.file ?? 'the files'} there, then verify.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && /would overwrite/.test(error.message) && !force) {
        messages.replaceChildren(
          errorBox(error),
          button('Move my changed files to a backup and start', () => start(true), { class: 'danger' }),
        );
        return;
      }
      throw error;
    }
  };

  const verify = async () => {
    const { runId } = await post<Loose>(`/api/challenges/${encodeURIComponent(id)}/verify`);
    follow(runId);
  };

  const follow = (runId: string) => {
    live.hidden = false;
    results.replaceChildren();
    const phases = h('ol', { class: 'phases' });
    const step = h('p', { class: 'step' }, 'Waiting for the first phase…');
    const stepBar = h('progress', { max: 1, value: 0, 'aria-label': 'Build steps' });
    const output = h('pre', { class: 'output', 'aria-label': 'Build output', tabindex: 0 });
    const checks = h('ul', { class: 'live-checks' });
    const cancel = button('Cancel', async () => {
      await post(`/api/runs/${runId}/cancel`);
    });
    // Health probes as they finish: the container's way to healthy, live.
    const probes = h('ol', { class: 'live-probes', 'aria-label': 'Health probes', 'data-live-probes': '' });
    live.replaceChildren(h('h2', {}, 'Verifying…'), h('div', { class: 'row' }, stepBar, cancel), step, phases, checks, probes, h('details', { open: true }, h('summary', {}, 'Build output'), output));
    const phaseItems = new Map<string, HTMLElement>();
    const lines: string[] = [];
    const source = new EventSource(`/api/runs/${runId}/events`);
    leaving = () => source.close();
    source.addEventListener('progress', (message) => {
      const event = JSON.parse((message as MessageEvent).data) as Loose;
      if (event.type === 'phase') {
        let item = phaseItems.get(event.phase);
        if (!item) {
          item = h('li', { 'data-phase': event.phase }, event.phase);
          phaseItems.set(event.phase, item);
          phases.append(item);
        }
        item.className = event.state === 'start' ? 'running' : 'done';
        item.textContent = `${event.phase}${event.state === 'start' ? ' …' : ' ✓'}`;
      } else if (event.type === 'check') {
        const result = event.result as Loose;
        checks.append(h('li', { class: `status-${result.status}` }, `${mark(result.status)} ${result.title}`, h('span', { class: 'muted' }, ` — ${result.message}`)));
      } else if (event.type === 'note') {
        checks.append(h('li', { class: 'note-line' }, `ℹ ${event.message}`));
      } else if (event.type === 'probe') {
        const ok = event.exitCode === 0;
        const output = typeof event.output === 'string' && event.output ? ` — ${event.output.slice(0, 200)}` : '';
        probes.append(h('li', { class: ok ? 'probe-ok' : 'probe-fail', 'data-probe': String(event.index) }, `${ok ? '✓' : '✕'} health probe ${event.index} at ${(Number(event.atMs) / 1000).toFixed(1)} s: exit ${String(event.exitCode)}${output}`));
      } else if (event.type === 'build') {
        const build = event.event as Loose;
        if (build.type === 'step') {
          step.textContent = `Build step ${build.index}/${build.total}: ${build.instruction}`;
          stepBar.setAttribute('max', String(build.total));
          stepBar.setAttribute('value', String(build.index));
        } else if (build.type === 'output') {
          lines.push(build.line);
          if (lines.length > 300) lines.shift();
          output.textContent = lines.join('\n');
          output.scrollTop = output.scrollHeight;
        } else if (build.type === 'context') {
          lines.push(`context: ${build.fileCount} files, ${formatBytes(build.totalBytes)} (${build.ignoredCount} ignored)`);
        }
      }
    });
    source.addEventListener('result', (message) => {
      const result = JSON.parse((message as MessageEvent).data) as Loose;
      // The scorecard says it all now; the live log folds away (still there to read).
      live.replaceChildren(h('details', { class: 'log' }, h('summary', {}, `Progress log of this verify (${checks.children.length} lines)`), step, phases, checks, probes, h('pre', { class: 'output' }, lines.join('\n'))));
      results.replaceChildren(...scorecard(result));
      void refreshHeader();
    });
    source.addEventListener('failure', (message) => {
      const failure = JSON.parse((message as MessageEvent).data) as Loose;
      live.querySelector('h2')!.textContent = failure.cancelled ? 'Verify cancelled' : 'Verify stopped';
      results.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('p', {}, failure.message), failure.suggestion ? h('p', {}, failure.suggestion) : null));
    });
    source.addEventListener('end', () => {
      source.close();
      cancel.remove();
    });
  };

  const header = h('div', {});
  const refreshHeader = async () => {
    const fresh = await get<Loose>(`/api/challenges/${encodeURIComponent(id)}`);
    header.replaceChildren(
      h('p', {}, statusBadge(fresh.status), h('span', { class: 'muted' }, ` ${fresh.difficulty}${fresh.progress.bestPercent !== null ? ` · best ${fresh.progress.bestPercent}%` : ''} · ${fresh.progress.attempts} attempt${fresh.progress.attempts === 1 ? '' : 's'}`)),
      fresh.workspace ? h('p', {}, 'Workspace: ', h('code', { class: 'workspace' }, fresh.workspace)) : h('p', { class: 'muted' }, 'Not started yet: Start puts the broken starter in a workspace.'),
    );
    actions.replaceChildren(
      ...[button(fresh.workspace ? 'Start again' : 'Start', () => start(false), { 'data-action': 'start' }),
      fresh.workspace ? button('Verify', verify, { class: 'primary', 'data-action': 'verify' }) : null,
      fresh.workspace
        ? button('Reset to the starter', async () => {
            if (!window.confirm('Put the starter back? Your current files are moved to .shipshape/backups/ first.')) return;
            const result = await post<Loose>(`/api/challenges/${encodeURIComponent(id)}/reset`);
            say(result.moved.length ? `Moved ${result.moved.length} file(s) to ${result.backupDir}; the starter is back.` : 'Nothing to move: the workspace already holds the starter.');
          }, { 'data-action': 'reset' })
        : null].filter((node): node is HTMLElement => node !== null),
    );
  };

  hints.replaceChildren(h('h2', { id: 'hints-title' }, 'Hints'), hintButtons(id, data.hints.total, data.hints.seen));
  solution.replaceChildren(
    h('h2', { id: 'solution-title' }, 'Reference solution'),
    data.workspace
      ? h('div', {}, h('p', { class: 'muted' }, 'See how your files differ from the reference solution. It is noted in your progress.'), button('Show the solution diff…', async () => {
          if (!window.confirm(`Show the reference solution of ${data.title}? It will be noted in your progress.`)) return;
          const shown = await post<Loose>(`/api/challenges/${encodeURIComponent(id)}/solution`, { confirm: true });
          solution.append(
            shown.files.length === 0
              ? h('p', {}, 'Your files already match the reference solution.')
              : h('div', {}, (shown.files as Loose[]).map((file) => h('div', { class: 'diff-file' }, h('h3', {}, `${file.file} (${file.change})`), trustedHtml('pre', 'diff', file.html)))),
          );
        }, { 'data-action': 'solution' }))
      : h('p', { class: 'muted' }, 'Start the challenge first.'),
  );

  show(
    data.title,
    h('p', {}, h('a', { href: '#/' }, '← Course'), ' · ', h('a', { href: `#/lesson/${data.lesson}` }, 'Lesson')),
    h('h1', {}, data.title),
    h('p', { class: 'summary-text' }, data.summary),
    header,
    actions,
    messages,
    live,
    results,
    h('details', { class: 'task', open: !data.lastResult }, h('summary', {}, h('h2', {}, 'The task')), trustedHtml('div', 'markdown', data.taskHtml)),
    hints,
    solution,
  );
  await refreshHeader();
  if (data.lastResult) results.replaceChildren(...scorecard(data.lastResult));
  if (data.runningRun) follow(data.runningRun);
}

function hintButtons(id: string, total: number, seen: number[]): HTMLElement {
  const shown = h('div', { class: 'hint-texts', 'aria-live': 'polite' });
  const levels = h('div', { class: 'row', role: 'group', 'aria-label': 'Hint levels' });
  for (let level = 1; level <= total; level++) {
    levels.append(
      h('button', {
        type: 'button',
        'data-hint': level,
        onclick: async () => {
          try {
            const answer = await post<Loose>(`/api/challenges/${encodeURIComponent(id)}/hint`, { level });
            shown.replaceChildren(
              ...[answer.failingCheck ? h('p', { class: 'note' }, h('strong', {}, `Your last verify failed “${answer.failingCheck.title}”: `), answer.failingCheck.hint) : null,
              ...(answer.hints as Loose[]).map((hint) => h('div', { class: 'hint' }, h('h3', {}, `Hint ${hint.level} of ${answer.total}`), trustedHtml('div', 'markdown', hint.html)))].filter((node): node is HTMLElement => node !== null),
            );
          } catch (error) {
            shown.replaceChildren(errorBox(error));
          }
        },
      }, `Hint ${level}${seen.includes(level) ? ' (seen)' : ''}`),
    );
  }
  return h('div', {}, total === 0 ? h('p', { class: 'muted' }, 'This challenge has no hints.') : h('p', { class: 'muted' }, 'Gentlest first; each level you open is noted in your progress.'), levels, shown);
}

const mark = (status: string) => (status === 'pass' ? '✔' : status === 'fail' ? '✖' : status === 'advice' ? '◆' : '–');

function scorecard(result: Loose): HTMLElement[] {
  const checks = (result.checks ?? []) as Loose[];
  const verdict = h(
    'div',
    { class: `verdict ${result.passed ? 'verdict-pass' : 'verdict-fail'}`, role: 'status', 'data-verdict': result.passed ? 'pass' : 'fail' },
    h('p', { class: 'verdict-title' }, result.passed ? '✔ Passed' : '✖ Not yet'),
    h('p', {}, `${result.score?.points ?? 0}/${result.score?.maxPoints ?? 0} points (${result.score?.percent ?? 0}%) · ${checks.filter((check) => check.status === 'pass').length} passed, ${checks.filter((check) => check.status === 'fail').length} failed, ${checks.filter((check) => check.status === 'skip').length} skipped${result.hidden?.checks ? ` · ${result.hidden.checks} hidden (in the points, not shown)` : ''} · ${((result.timings?.totalMs ?? 0) / 1000).toFixed(1)} s`),
  );
  const table = h(
    'table',
    { class: 'scorecard' },
    h('caption', {}, 'Scorecard'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Check'), h('th', { scope: 'col' }, 'Points'), h('th', { scope: 'col' }, 'What was seen'))),
    h(
      'tbody',
      {},
      checks.map((check) =>
        h(
          'tr',
          { class: `status-${check.status}`, 'data-check': check.id },
          h('td', {}, h('span', { 'aria-hidden': 'true' }, mark(check.status)), ` ${check.status}`),
          h('td', {}, h('strong', {}, check.title), h('br'), h('code', { class: 'muted' }, `${check.id} · ${check.phase}`)),
          h('td', {}, `${check.points}/${check.maxPoints}`),
          h(
            'td',
            {},
            h('p', {}, check.message),
            check.hint && check.status !== 'pass' ? h('p', { class: 'hint-line' }, h('strong', {}, check.status === 'advice' ? 'Better: ' : 'Hint: '), check.hint) : null,
            check.evidence && Object.keys(check.evidence).length ? h('details', { class: 'evidence' }, h('summary', {}, 'Evidence'), evidenceList(check.evidence)) : null,
          ),
        ),
      ),
    ),
  );
  const pictures = [sizePicture(result.comparison), layersPicture(checks, result.imageLayers), wastedPicture(checks), healthPicture(checks)].filter((picture): picture is HTMLElement => picture !== null);
  return [verdict, pictures.length ? h('section', { class: 'pictures', 'aria-label': 'Pictures of the image' }, h('h2', {}, 'Pictures'), pictures) : null, table].filter((node): node is HTMLElement => node !== null);
}

function evidenceList(evidence: Loose): HTMLElement {
  return h(
    'dl',
    {},
    Object.entries(evidence).map(([key, value]) => [
      h('dt', {}, key),
      h('dd', {}, typeof value === 'number' && /bytes$/i.test(key) ? `${formatBytes(value)} (${value})` : typeof value === 'object' && value !== null ? h('pre', {}, JSON.stringify(value, null, 2).slice(0, 4000)) : String(value)),
    ]),
  );
}

async function classPage(): Promise<void> {
  const area = h('div', { 'aria-live': 'polite' });
  const input = h('input', { type: 'file', id: 'class-file', accept: '.json,application/json' }) as HTMLInputElement;
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      const view = await post<Loose>('/api/class', await file.text(), { 'x-file-name': file.name.replace(/[^\w .-]/g, '_') });
      area.replaceChildren(classView(view));
    } catch (error) {
      area.replaceChildren(errorBox(error));
    }
  });
  show(
    'Instructor',
    h('h1', {}, 'Class results'),
    h('p', {}, 'Open the JSON of ', h('code', {}, 'shipshape challenge:grade DIR --challenge ID --format json --output results.json'), ', or its state file (', h('code', {}, '.DIR.ID.shipshape-grade.json'), ').'),
    h('p', {}, h('label', { for: 'class-file' }, 'Results or state file: '), input),
    area,
  );
}

function classView(view: Loose): HTMLElement {
  const checks = view.checks as Loose[];
  const learners = view.learners as Loose[];
  const details = h('section', { class: 'learner', 'aria-live': 'polite' });
  const showLearner = (name: string) => {
    const submission = (view.submissions as Loose[]).find((candidate) => candidate.name === name);
    if (!submission) return;
    details.replaceChildren(h('h2', {}, `Learner: ${submission.name}`), h('p', {}, `${submission.status} · ${submission.score.points}/${submission.score.maxPoints} (${submission.score.percent}%)${submission.message ? ` · ${submission.message}` : ''}`), ...scorecard({ ...submission, passed: submission.status === 'pass' }).slice(1));
  };
  const mostFailed = [...checks].filter((check) => check.failed > 0).sort((a, b) => b.failed - a.failed).slice(0, 10);
  return h(
    'div',
    {},
    h('h2', {}, `${view.challenge.title} (${view.challenge.id})`),
    h('p', {}, `${learners.length} learners · ${learners.filter((learner) => learner.status === 'pass').length} passed · from a ${view.source} file · `, h('a', { href: view.csv, download: '', 'data-action': 'csv' }, 'Download CSV')),
    h('div', { class: 'heat-wrap', tabindex: 0, role: 'region', 'aria-label': 'Heat map of learners and checks' },
      h(
        'table',
        { class: 'heat' },
        h('caption', {}, 'Learners × checks'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Learner'), h('th', { scope: 'col' }, 'Score'), checks.map((check) => h('th', { scope: 'col', title: check.title }, h('span', { class: 'vertical' }, check.id))))),
        h(
          'tbody',
          {},
          learners.map((learner) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => showLearner(learner.name) }, learner.name)),
              h('td', {}, `${learner.percent}%`),
              checks.map((check) => {
                const status = learner.cells[check.id] ?? 'none';
                return h('td', { class: `cell cell-${status}`, title: `${learner.name} · ${check.id}: ${status}` }, h('span', { 'aria-hidden': 'true' }, mark(status)), h('span', { class: 'sr-only' }, status));
              }),
            ),
          ),
        ),
      ),
    ),
    h('h2', {}, 'Most failed checks'),
    mostFailed.length
      ? h('ol', { class: 'most-failed' }, mostFailed.map((check) => h('li', {}, h('span', {}, `${check.title} (${check.id}) — ${check.failed} of ${learners.length}`), progressBar(check.failed, learners.length, `${check.id} failures`))))
      : h('p', {}, 'No check failed.'),
    details,
  );
}

async function route(): Promise<void> {
  leaving?.();
  leaving = null;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [, page, id] = hash.split('/');
  try {
    if (page === 'lesson' && id) await lessonPage(decodeURIComponent(id));
    else if (page === 'challenge' && id) await challengePage(decodeURIComponent(id));
    else if (page === 'class') await classPage();
    else await coursePage();
    main.focus({ preventScroll: true });
  } catch (error) {
    show('Error', errorBox(error));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
