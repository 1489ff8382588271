/**
 * One jest file for many small topics (test/unit/, test/infra/, test/integration/; docs/testing.md).
 *
 * Jest gives every test file a module registry of its own, so each file loads and warms up anew what it
 * imports: @peculiar/x509 and its ASN.1 stack in the unit topics, aws-cdk-lib and the stack in the infra
 * topics, the SDK and the stand-ins in the integration ones. As one jest file per folder, those load
 * once: measured on two cores (in-band), the infra topics took 31 s of CPU instead of 45 s, the unit
 * topics 11 s instead of 16 s, the eight in-process integration topics 10 s instead of 12-13 s.
 *
 * Each topic (`<name>.spec.ts` beside the folder's `.test.ts`) runs inside a describe block of its own
 * name, so its `beforeEach`/`afterAll` apply to its own cases only. Topics share the process-wide state
 * of one registry, so a topic that patches it (an SDK mock, the process streams) stays a file of its
 * own. One topic alone: `npm run test:infra -- -t alb-front-door`.
 */
import { readdirSync } from 'node:fs';

/** What the tier's jest file loads: each topic's name and a function that requires its `.spec.ts`. */
export type Topics = Readonly<Record<string, () => unknown>>;

const SPEC = '.spec.ts';

/**
 * Loads each topic inside its own describe block, and checks that no topic file of `dir` is left out
 * (a `.spec.ts` that nothing loads would never run, and nothing would say so).
 */
export function describeTopics(dir: string, topics: Topics): void {
  for (const [name, load] of Object.entries(topics)) {
    describe(name, () => {
      load();
    });
  }

  it(`loads every ${SPEC} file of its folder, each once`, () => {
    const files = readdirSync(dir)
      .filter((file) => file.endsWith(SPEC))
      .map((file) => file.slice(0, -SPEC.length))
      .sort();
    expect(Object.keys(topics).sort()).toEqual(files);
  });
}
