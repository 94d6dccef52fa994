/**
 * CNCF distribution with no auth: the reference the conformance report and the benchmark compare
 * Vouch with (test/helpers/docker-registry.ts starts it).
 */
export { startDockerRegistry, type DockerRegistry } from '../../helpers/docker-registry.ts';
