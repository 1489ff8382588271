/**
 * One jest project per tier (`npm run test:unit`, `test:integration`, `test:e2e`, `test:infra`, or
 * `npx jest --selectProjects unit`); `npx jest` runs them all. Jest runs the `*.test.ts` files; the
 * `*.spec.ts` topics of test/unit, test/infra and test/integration run inside one `*.test.ts` of their
 * folder (test/support/topics.ts says why).
 * @type {import('jest').Config}
 */
const tier = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // The e2e tier's edges share one demo PKI, made before its first file (test/e2e/global-setup.ts).
  ...(name === 'e2e'
    ? {
        globalSetup: '<rootDir>/test/e2e/global-setup.ts',
        globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
      }
    : {}),
});

module.exports = {
  projects: ['unit', 'integration', 'e2e', 'infra'].map(tier),
  // Two cores in CI: the integration and end-to-end suites start real servers.
  maxWorkers: 2,
  testTimeout: 60000,
  // How long a worker may take to exit once told to (Jest's default: 500 ms, then "A worker process has
  // failed to exit gracefully"). No test leaves a handle open: at the end of every file a worker holds only
  // its IPC and stdio pipes, and it reaches its 'exit' event within milliseconds. But a worker that loaded
  // aws-cdk-lib and the SDKs holds 400-500 MB, and tearing that process down takes 0.3-1 s on a busy
  // 2-core machine (longer at a load average of 15). A worker that really leaks a server, socket or timer
  // is still reported, after 10 s.
  workerGracefulExitTimeout: 10000,
};
