// Invariant 8 at the bottom of the stack: with encryption on, no canary PHI (names, MRNs) in
// Kafka's own files. Canary patients go through the gateway (a simulated hospital over MLLP, FHIR
// resources and JSON over HTTP) into a broker of the test's own; the broker is stopped (everything flushed) and
// every file under its folder is searched. The same run with encryption off is the control: it
// must find them, or the search proves nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { registerFhirRoutes } from '../../src/gateway/fhir/routes.ts';
import { createHl7Intake } from '../../src/gateway/hl7-intake.ts';
import { buildIntake } from '../../src/gateway/http-intake.ts';
import { MllpServer } from '../../src/gateway/mllp/server.ts';
import { EventProducer } from '../../src/kafka/event-producer.ts';
import { startLocalBroker, stopLocalBroker } from '../../src/kafka/local-broker.ts';
import { LocalKeyring } from '../../src/phi/kek.ts';
import { PatientKeys } from '../../src/phi/patient-keys.ts';
import { PayloadCrypto } from '../../src/phi/payload-crypto.ts';
import { createPseudonymizer } from '../../src/phi/pseudonym.ts';
import { runSimulation } from '../../src/simulator/run.ts';
import { openDatabase } from '../../src/store/db.ts';
import { provision } from '../../src/topology/provision.ts';
import { patient, potassium } from '../gateway/fhir/fixtures.ts';
import { CANARY, CANARY_MARK, event, filesUnder, filesWithCanary } from '../support/canary.ts';
import { isolatedTopology, uniqueSuffix } from '../support/kafka.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const keys = createPseudonymizer(Buffer.alloc(32, 9));
const MARK = Buffer.from(CANARY_MARK);

describe("canary PHI in the broker's own files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-canary-'));
  const brokerOpts = { root: ROOT, dir: join(dir, 'kafka'), libDir: join(ROOT, '.vigil', 'kafka'), port: 0, controllerPort: 0 };
  const needles = [MARK, Buffer.from(CANARY.name), Buffer.from(CANARY.mrn)];

  after(async () => {
    await stopLocalBroker(brokerOpts.dir);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the broker, sends canary patients through the gateway, stops the broker. */
  async function deliverCanaries(encrypted: boolean): Promise<{ topology: string; accepted: number }> {
    const suffix = uniqueSuffix();
    const topology = isolatedTopology(suffix);
    const broker = await startLocalBroker(brokerOpts);
    const bootstrap = [broker.bootstrap];
    const admin = new Admin({ clientId: 'vigil-test', bootstrapBrokers: bootstrap });
    await provision(admin, topology, -1);
    await admin.close();

    const db = await openDatabase({});
    const crypto = new PayloadCrypto(new PatientKeys(db, new LocalKeyring(join(dir, 'kek'))));
    const producer = new EventProducer({ bootstrap, clientId: 'vigil-test-canary', topology, ackTimeoutMs: 30_000, seal: encrypted ? (e) => crypto.seal(e) : undefined });
    const mllp = new MllpServer({ handler: createHl7Intake({ producer, db, mapper: keys }).handler });
    const port = await mllp.listen();
    const http = buildIntake({ producer, topology });
    registerFhirRoutes(http, { producer, topology, mapOptions: keys });
    try {
      const run = await runSimulation({ host: '127.0.0.1', port, rate: Number.POSITIVE_INFINITY, durationMs: Number.POSITIVE_INFINITY, maxMessages: 150, seed: 7731, canary: true, connections: 2 });
      const posted = await http.inject({
        method: 'POST',
        url: '/events',
        payload: [1, 2, 3].map((n) => event({ event_id: `canary-${suffix}-${n}`, patient_id: keys.patientKey({ value: CANARY.mrn }), encounter_id: `enc-${suffix}` })),
      });
      assert.equal(posted.statusCode, 202);
      for (const resource of [patient(), potassium()]) {
        const fhir = await http.inject({ method: 'POST', url: `/fhir/${resource.resourceType}`, payload: resource });
        assert.equal(fhir.statusCode, 202, fhir.body);
      }
      return { topology: suffix, accepted: run.acks.AA };
    } finally {
      await http.close();
      await mllp.close();
      await producer.close();
      await db.close();
      await stopLocalBroker(brokerOpts.dir);
    }
  }

  it('finds none with encryption on', async () => {
    const { accepted } = await deliverCanaries(true);
    assert.ok(accepted >= 100, `only ${accepted} HL7 messages accepted`);
    const files = filesUnder(brokerOpts.dir);
    assert.ok(files.some((f) => f.endsWith('.log')), 'the broker wrote log segments');
    assert.deepEqual(filesWithCanary(brokerOpts.dir, needles), []);
  });

  it('finds them with encryption off (the control: the search can fail)', async () => {
    const { topology, accepted } = await deliverCanaries(false);
    assert.ok(accepted >= 100, `only ${accepted} HL7 messages accepted`);
    const hits = filesWithCanary(brokerOpts.dir, needles);
    assert.ok(
      hits.some((f) => f.includes(topology) && f.endsWith('.log')),
      `expected canaries in the plain run's segments, found them in: ${hits.join(', ') || 'nothing'}`,
    );
    // The specific test values, not just the simulator's marks.
    assert.ok(filesWithCanary(brokerOpts.dir, [Buffer.from(CANARY.mrn)]).length > 0);
    assert.ok(filesWithCanary(brokerOpts.dir, [Buffer.from(CANARY.name)]).length > 0);
  });
});
