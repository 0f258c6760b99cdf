// nginx/render.mjs against the real envsubst the nginx image uses (same output for the same values),
// and the rendered front door's stream locations checked directive by directive.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FRONT_DEFAULTS,
  DASH_DEFAULTS,
  TEMPLATES,
  render,
  substitute,
  templateNames,
  upstreamServers,
} from '../../nginx/render.mjs';

/** The body of `location <match> { ... }` in a rendered config (no nested blocks inside those). */
function locationBody(config: string, match: string): string {
  const start = config.indexOf(`location ${match} {`);
  if (start < 0) throw new Error(`no location ${match}`);
  return config.slice(start, config.indexOf('}', start));
}

describe('render', () => {
  it('has a native default for every variable each template uses, and no unused default', () => {
    for (const [kind, defaults] of [
      ['front', FRONT_DEFAULTS],
      ['dashboard', DASH_DEFAULTS],
    ] as const) {
      const { file, prefix } = TEMPLATES[kind];
      const names = templateNames(readFileSync(file, 'utf8'), prefix);
      expect(names.sort()).toEqual(Object.keys(defaults).sort());
    }
  });

  it('refuses to render with a variable missing, naming it', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx and envsubst syntax, not JS
    expect(() => substitute('listen ${FRONT_A}; root ${FRONT_B};', { FRONT_A: '1' }, 'FRONT_')).toThrow(
      'no value for FRONT_B',
    );
  });

  it('leaves nginx variables and other names alone', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx and envsubst syntax, not JS
    const text = 'return 308 https://$host:${FRONT_P}$request_uri; ${HOME} $NGINX_VERSION';
    expect(substitute(text, { FRONT_P: '8443' }, 'FRONT_')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx and envsubst syntax, not JS
      'return 308 https://$host:8443$request_uri; ${HOME} $NGINX_VERSION',
    );
  });

  it.skipIf(!existsSync('/usr/bin/envsubst'))('gives what the image envsubst step gives', () => {
    for (const kind of ['front', 'dashboard'] as const) {
      const { file, prefix } = TEMPLATES[kind];
      const defaults: Record<string, string> = kind === 'front' ? FRONT_DEFAULTS : DASH_DEFAULTS;
      const names = Object.keys(defaults)
        .map((name) => `\${${name}}`)
        .join(' ');
      const viaEnvsubst = execFileSync('/usr/bin/envsubst', [names], {
        input: readFileSync(file, 'utf8'),
        env: { PATH: process.env.PATH, ...defaults },
      }).toString();
      expect(render(kind)).toBe(viaEnvsubst);
      expect(viaEnvsubst).not.toContain(`\${${prefix}`);
    }
  });
});

describe('front door stream locations', () => {
  const config = render('front', { FRONT_S1_SERVERS: upstreamServers(['a:1', 'b:2']) });

  it('lists every System 1 replica in the pool with keepalive', () => {
    expect(config).toMatch(/upstream system1 \{\s+server a:1 [^;]*;\s*server b:2 [^;]*;\s+keepalive \d+;/);
  });

  it.each(['= /s1/live/sse', '= /s2/live/sse'])('does not buffer SSE at %s and keeps it open', (match) => {
    const body = locationBody(config, match);
    expect(body).toContain('proxy_buffering off;');
    expect(body).toContain('proxy_read_timeout 1h;');
  });

  it.each(['= /s1/live', '= /s2/live', '= /s2/ingest'])('keeps WebSocket %s open past the pings', (match) => {
    expect(locationBody(config, match)).toContain('proxy_read_timeout 1h;');
  });

  it('limits only the ingest locations', () => {
    expect(locationBody(config, '= /s1/ingest')).toContain('limit_req zone=ingest_req');
    expect(locationBody(config, '= /s2/ingest')).toContain('limit_conn ingest_conn');
    expect(locationBody(config, '/s1/')).not.toContain('limit_');
  });
});
