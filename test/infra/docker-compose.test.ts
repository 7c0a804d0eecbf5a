import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RCLONE_PINNED_VERSION } from '../../lib/infra/rclone-binary.js';
import { parse } from 'yaml';
import { COMPONENT_ENV, COMPONENT_NODE_FLAGS } from '../../lib/component-flags.js';

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<{ target: string } | string>;
  ports?: unknown[];
}

describe('docker-compose.yml', () => {
  // Debian's docker-compose validates and renders the file without a Docker engine.
  const rendered = parse(
    execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        MEDIA_ROOT: '/srv/media',
        RCLONE_CONFIG_DIR: '/srv/rclone',
        VAULT_REMOTE: 'gdrive:Media',
        PUID: '1001',
        PGID: '1002',
        TZ: 'Europe/Berlin',
      },
    }),
  ) as { services: Record<string, ComposeService> };

  test('has Temporal with Postgres persistence, its UI, Postgres, and the vaultarr api, worker and watcher', () => {
    const always = Object.entries(rendered.services).filter(([, s]) => !s.profiles?.length);
    expect(always.map(([name]) => name).sort()).toEqual([
      'api',
      'postgres',
      'temporal',
      'temporal-ui',
      'watcher',
      'worker',
    ]);
    expect(rendered.services.temporal!.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
    });
    expect(rendered.services['temporal-ui']!.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
    });
  });

  test('Prometheus and Grafana run only with the monitoring profile, provisioned from deploy/', () => {
    expect(rendered.services.prometheus!.profiles).toEqual(['monitoring']);
    expect(rendered.services.grafana!.profiles).toEqual(['monitoring']);
    const mounts = (name: string) =>
      (rendered.services[name]!.volumes ?? [])
        .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
        .join('\n');
    expect(mounts('prometheus')).toContain('deploy/prometheus/prometheus.yml');
    expect(mounts('grafana')).toContain('deploy/grafana/vaultarr-dashboard.json');
    expect(mounts('grafana')).toContain('deploy/grafana/provisioning');
    // Prometheus's own check of its configuration file.
    expect(
      execFileSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml'], { encoding: 'utf8' }),
    ).toContain('SUCCESS');
    const scrape = readFileSync('deploy/prometheus/prometheus.yml', 'utf8');
    expect(scrape).toContain("'api:8686'");
    expect(scrape).toContain("'worker:9464'");
  });

  test.each(['api', 'worker', 'watcher'])(
    '%s runs as PUID/PGID in TZ with the media root and the rclone config mounted',
    (name) => {
      const service = rendered.services[name]!;
      expect(service.command).toEqual([name]);
      expect(service.environment).toMatchObject({
        PUID: '1001',
        PGID: '1002',
        TZ: 'Europe/Berlin',
        VAULTARR_VAULT__REMOTE: 'gdrive:Media',
        VAULTARR_TEMPORAL__ADDRESS: 'temporal:7233',
      });
      const volumes = (service.volumes ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      expect(volumes.join('\n')).toContain('/srv/media');
      expect(volumes.join('\n')).toContain('/srv/rclone');
    },
  );

  test.each(['watcher', 'worker'])('runs the %s with the V8 limits vaultarr start gives it', (name) => {
    expect(rendered.services[name]?.environment?.NODE_OPTIONS).toBe(COMPONENT_NODE_FLAGS[name]!.join(' '));
    expect(rendered.services[name]?.environment?.VAULTARR_LIBRARY__LOCAL_ROOT).toBe('/media/.Local');
    for (const [key, value] of Object.entries(COMPONENT_ENV[name] ?? {}))
      expect(rendered.services[name]?.environment?.[key]).toBe(value);
  });

  test('the API runs on V8 defaults, with the malloc settings vaultarr start gives it', () => {
    expect(COMPONENT_NODE_FLAGS.api).toBeUndefined();
    expect(rendered.services.api?.environment?.NODE_OPTIONS).toBeUndefined();
    expect(Object.keys(COMPONENT_ENV.api ?? {})).toContain('MALLOC_ARENA_MAX');
    for (const [key, value] of Object.entries(COMPONENT_ENV.api ?? {}))
      expect(rendered.services.api?.environment?.[key]).toBe(value);
  });
});

describe('Dockerfile', () => {
  test('the runtime image installs every command the components call: the pinned rclone, FUSE, mergerfs, apprise', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const runtime = dockerfile.split(/^FROM /m).at(-1)!;
    const install = /apt-get install[^&]*/.exec(runtime)?.[0] ?? '';
    const packages = install.split(/\s+/).filter((word) => /^[a-z0-9][a-z0-9.+-]*$/.test(word));
    expect(packages).toEqual(expect.arrayContaining(['fuse3', 'mergerfs', 'apprise']));
    // rclone is the version vaultarr pins, built in its own stage, not Debian's older one.
    expect(dockerfile).toContain(`go install github.com/rclone/rclone@v${RCLONE_PINNED_VERSION}`);
    expect(runtime).toMatch(/^COPY --from=rclone \S*rclone \/usr\/local\/bin\/rclone$/m);
    expect(packages).not.toContain('rclone');
  });
});
