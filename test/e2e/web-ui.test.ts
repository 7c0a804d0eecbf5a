/**
 * The Temporal Web UI, as a person uses it, in a real browser: Debian's Chromium driven by
 * playwright-core against the UI that `vaultarr start` embeds. What docs/web-ui.md
 * promises must hold: the list names each item's file with default settings, the filters find
 * items by stage, an item's page names its release, runs the `status` query, and shows a running
 * copy's progress.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { MEDIA_ITEM_WORKFLOW } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { makeRandomVideo, makeVideo } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

/** The item ID for a library path, once the item is in `stage`. */
async function itemIn(stack: TestStack, stage: string, libraryPath: string): Promise<string> {
  let id = '';
  await waitFor(
    `${libraryPath} in ${stage}`,
    async () => {
      const listed = JSON.parse(stack.cli('items', 'list', '--stage', stage, '--json').stdout) as {
        items: Array<{ id: string; libraryPath: string }>;
      };
      id = listed.items.find((i) => i.libraryPath === libraryPath)?.id ?? '';
      return Boolean(id);
    },
    90_000,
  );
  return id;
}

describe('the Temporal Web UI in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const ids: Record<'resident' | 'waiting' | 'copying', string> = { resident: '', waiting: '', copying: '' };
  /** Size of the copying item's file, in bytes. */
  let copyingBytes = 0;

  beforeAll(async () => {
    // Uploads capped at 1 MiB/s and a 3 s heartbeat timeout: a 90 MiB copy runs ~90 s, reporting often.
    stack = await TestStack.create({
      VAULTARR_VAULT__BW_LIMIT: '1M',
      VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS: '3',
      VAULTARR_HOST_ID: 'ui-host',
    });
    await stack.start();
    stack.drop('Heat.1995.1080p.BluRay.x264-GROUP.mkv', (at) => makeVideo(at, 1, 1));
    ids.resident = await itemIn(stack, 'resident', 'Movies/Heat (1995)/Heat (1995).mkv');
    stack.drop('holiday_video.mp4', (at) => makeVideo(at, 1, 2));
    ids.waiting = await itemIn(stack, 'awaiting-approval', 'Unsorted/holiday_video.mp4');
    stack.drop('Alien.1979.1080p.BluRay.x264-GROUP.mkv', (at) => {
      copyingBytes = makeRandomVideo(at, 90 * 1024 ** 2);
    });
    ids.copying = await itemIn(stack, 'copying', 'Movies/Alien (1979)/Alien (1979).mkv');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.destroy();
  });

  const ui = () => `http://127.0.0.1:${stack.ports.ui}/namespaces/default`;
  /** The workflow list filtered by a visibility query, as its rows' text. */
  const listed = async (query: string): Promise<string> => {
    await page.goto(`${ui()}/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText(MEDIA_ITEM_WORKFLOW).first().waitFor({ timeout: 30_000 });
    return page.locator('table').innerText();
  };
  /** An item's page, on one of its tabs. */
  const openTab = async (id: string, tab: string): Promise<void> => {
    await page.goto(`${ui()}/workflows/${encodeURIComponent(id)}`);
    await page.locator('a, button, [role=tab]', { hasText: tab }).first().click();
  };

  /**
   * Opens an item's tab (then runs `act`, if given) until `text` shows. The UI loads a tab's data
   * after the page: under load that takes a while, so it looks again.
   */
  const seeOnTab = (id: string, tab: string, text: string, act?: () => Promise<void>) =>
    waitFor(
      `"${text}" on the ${tab} tab`,
      async () => {
        await openTab(id, tab);
        await act?.();
        return page
          .getByText(text)
          .first()
          .waitFor({ timeout: 10_000 })
          .then(() => true);
      },
      90_000,
      1000,
    );

  test("a copying item's page shows the copy's progress", async () => {
    await seeOnTab(ids.copying, 'Pending Activities', '"phase": "copying"');
    const details = await page.locator('main').innerText();
    expect(details).toContain('copyAndVerify');
    expect(details).toMatch(/"percent": \d/);
    expect(details).toContain(`"bytesTotal": ${copyingBytes}`);
  });

  test("with default settings the workflow list tells the items apart by their files' names", async () => {
    // A fresh browser context: no columns or views saved by an earlier visit.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const fresh = await context.newPage();
    const names = {
      resident: 'Heat.1995.1080p.BluRay.x264-GROUP.mkv',
      waiting: 'holiday_video.mp4',
      copying: 'Alien.1979.1080p.BluRay.x264-GROUP.mkv',
    };
    let rows: string[] = [];
    try {
      await waitFor(
        'the three items listed',
        async () => {
          await fresh.goto(`${ui()}/workflows`);
          await fresh.getByText(MEDIA_ITEM_WORKFLOW).first().waitFor({ timeout: 30_000 });
          rows = await fresh.locator('table tbody tr').allInnerTexts();
          return Object.values(names).every((name) => rows.some((r) => r.includes(name)));
        },
        90_000,
        1000,
      );
      for (const [item, name] of Object.entries(names)) {
        const row = rows.filter((r) => r.includes(name));
        expect(row).toHaveLength(1);
        expect(row[0]).toContain(ids[item as keyof typeof ids]);
      }
      // The name is part of the ID the row links to: it opens that item's page.
      await fresh.getByRole('link', { name: ids.copying }).first().click();
      await fresh.getByRole('heading', { name: ids.copying }).first().waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  });

  test('the stage filter lists the resident item and nothing else', async () => {
    const rows = await listed('VaultarrStage = "resident"');
    expect(rows).toContain(ids.resident);
    expect(rows).not.toContain(ids.waiting);
    expect(rows).not.toContain(ids.copying);
  });

  test('one filter finds every item that needs a person', async () => {
    const rows = await listed('VaultarrStage IN ("awaiting-approval", "failed-needs-attention")');
    expect(rows).toContain(ids.waiting);
    expect(rows).not.toContain(ids.resident);
  });

  test("an item's page names its release and answers the status query with its stage", async () => {
    await seeOnTab(ids.resident, 'User Metadata', 'release Heat.1995.1080p.BluRay.x264-GROUP.mkv');
    await seeOnTab(ids.resident, 'Queries', '"stage": "resident"', () =>
      page.getByRole('button', { name: 'Run Query' }).click(),
    );
  });
});
