// docker-compose.yml as docker-compose 1.29 reads it, checked against the apps, Dockerfiles, CLI and
// nginx template by nginx/verify-compose.mjs (no Docker engine needed).
import { describe, expect, it } from 'vitest';
import { COMPOSE_INSTALL_HINT, findDockerCompose, verifyCompose } from '../../nginx/verify-compose.mjs';

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose config and matches what the parts read', () => {
    // Missing docker-compose is a failure with the install line, not a skip: CI installs it.
    expect(findDockerCompose(), COMPOSE_INSTALL_HINT).not.toBeNull();
    expect(verifyCompose()).toEqual([]);
  });
});
