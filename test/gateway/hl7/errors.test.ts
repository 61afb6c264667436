import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hl7MappingError, type Hl7Issue } from '../../../src/gateway/hl7/errors.ts';
import { mapHl7Message } from '../../../src/gateway/hl7/mapper.ts';
import { CANARY, containsCanary } from '../../support/canary.ts';
import { fixture, options, setField, withoutSegments } from './fixtures.ts';

function mappingError(text: string): Hl7MappingError {
  try {
    mapHl7Message(text, options);
  } catch (err) {
    assert.ok(err instanceof Hl7MappingError, `expected Hl7MappingError, got ${String(err)}`);
    // No value from the message, in any text the error carries.
    const all = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err.issues)}`;
    assert.equal(containsCanary(all), undefined, `error text leaks ${containsCanary(all)}: ${all}`);
    return err;
  }
  assert.fail('expected an Hl7MappingError');
}

type Expected = Pick<Hl7Issue, 'segment' | 'code' | 'hl7ErrorCode'> & { field?: string };

function expectIssue(text: string, expected: Expected): Hl7MappingError {
  const err = mappingError(text);
  const found = err.issues.find(
    (i) => i.segment === expected.segment && i.field === expected.field && i.code === expected.code && i.hl7ErrorCode === expected.hl7ErrorCode,
  );
  assert.ok(found, `expected ${JSON.stringify(expected)} among ${JSON.stringify(err.issues)}`);
  assert.ok(found.rule.length > 0);
  assert.equal(err.ackCode, expected.code);
  return err;
}

const adt = fixture('epic-adt-a01-v251.hl7');
const oru = fixture('lab-oru-r01-v23.hl7');
const orm = fixture('orm-o01-imaging-v24.hl7');
const oml = fixture('oml-o21-lab-v251.hl7');
const rde = fixture('rde-o11-rxnorm-v251.hl7');
const a03 = fixture('cerner-adt-a03-v23.hl7');

describe('HL7 mapping errors', () => {
  it('refuses (AR) unsupported message types, trigger events and versions', () => {
    expectIssue(setField(adt, 'MSH', 9, 'SIU^S12^SIU_S12'), { segment: 'MSH', field: 'MSH-9', code: 'AR', hl7ErrorCode: '200' });
    expectIssue(setField(adt, 'MSH', 9, 'ADT^A40^ADT_A39'), { segment: 'MSH', field: 'MSH-9', code: 'AR', hl7ErrorCode: '201' });
    expectIssue(setField(oru, 'MSH', 9, 'ORU^R30'), { segment: 'MSH', field: 'MSH-9', code: 'AR', hl7ErrorCode: '201' });
    for (const version of ['2.2', '2.6', '2.7', '2.8']) {
      expectIssue(setField(adt, 'MSH', 12, version), { segment: 'MSH', field: 'MSH-12', code: 'AR', hl7ErrorCode: '203' });
    }
  });

  it('reports missing header fields (AE 101) and gives back what it could read of the header', () => {
    expectIssue(setField(adt, 'MSH', 9, ''), { segment: 'MSH', field: 'MSH-9', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(oru, 'MSH', 9, 'ORU'), { segment: 'MSH', field: 'MSH-9', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(adt, 'MSH', 12, ''), { segment: 'MSH', field: 'MSH-12', code: 'AE', hl7ErrorCode: '101' });
    const err = expectIssue(setField(adt, 'MSH', 10, ''), { segment: 'MSH', field: 'MSH-10', code: 'AE', hl7ErrorCode: '101' });
    assert.equal(err.header.sendingFacility, 'UHS');
    assert.deepEqual(
      err.issues.map((i) => [i.segment, i.sequence, i.field, i.position]),
      [['MSH', 1, 'MSH-10', 10]],
    );
    const unsupported = mappingError(setField(adt, 'MSH', 12, '2.6'));
    assert.equal(unsupported.header.controlId, 'E8812345');
  });

  it('puts AR first when a message is both refused and in error', () => {
    const err = mappingError(setField(setField(adt, 'MSH', 12, '2.7'), 'MSH', 10, ''));
    assert.equal(err.ackCode, 'AR');
    assert.equal(err.issues.length, 2);
  });

  it('refuses text that is not an HL7 message, or whose delimiters are unusable', () => {
    expectIssue('', { segment: 'MSH', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(`PID|1||${CANARY.mrn}`, { segment: 'MSH', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(adt.replace('MSH|^~\\&|', 'MSH|^~\\|'), { segment: 'MSH', field: 'MSH-2', code: 'AE', hl7ErrorCode: '102' });
    expectIssue(adt.replace('MSH|^~\\&|', 'MSH|^^\\&|'), { segment: 'MSH', field: 'MSH-2', code: 'AE', hl7ErrorCode: '102' });
    expectIssue(adt.replace('MSH|^~\\&|', 'MSHA^~\\&A'), { segment: 'MSH', field: 'MSH-2', code: 'AE', hl7ErrorCode: '102' });
  });

  it('refuses a line that is not a segment without quoting it (a free-text line wrapped by the sender)', () => {
    const wrapped = adt.replace('\rPD1|', `\r${CANARY.name} remainder of a wrapped line\rPD1|`);
    const err = expectIssue(wrapped, { segment: '(unknown)', code: 'AE', hl7ErrorCode: '100' });
    assert.match(err.issues[0]?.rule ?? '', /^line 4 /);
    expectIssue(`${adt}\r${adt}`, { segment: 'MSH', code: 'AE', hl7ErrorCode: '100' });
  });

  it('reports a missing PID or PID-3, and malformed patient fields', () => {
    expectIssue(withoutSegments(adt, 'PID'), { segment: 'PID', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(withoutSegments(oru, 'PID'), { segment: 'ORC', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(setField(adt, 'PID', 3, '""~^^^UHS^MR'), { segment: 'PID', field: 'PID-3', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(oru, 'PID', 3, ''), { segment: 'PID', field: 'PID-3', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(adt, 'PID', 7, CANARY.dob), { segment: 'PID', field: 'PID-7', code: 'AE', hl7ErrorCode: '102' });
  });

  it('requires a visit number (PV1-19) where events are keyed by encounter', () => {
    for (const text of [a03, orm, oml, rde]) {
      expectIssue(setField(text, 'PV1', 19, ''), { segment: 'PV1', field: 'PV1-19', code: 'AE', hl7ErrorCode: '101' });
      expectIssue(withoutSegments(text, 'PV1'), { segment: 'PV1', field: 'PV1-19', code: 'AE', hl7ErrorCode: '101' });
    }
    // Reported once, though both OML orders lack it.
    assert.equal(mappingError(setField(oml, 'PV1', 19, '')).issues.length, 1);
  });

  it('reports unparseable timestamps and values at their field', () => {
    expectIssue(setField(adt, 'EVN', 2, '2024-03-15 08:30'), { segment: 'EVN', field: 'EVN-2', code: 'AE', hl7ErrorCode: '102' });
    expectIssue(setField(adt, 'MSH', 7, '20241315'), { segment: 'MSH', field: 'MSH-7', code: 'AE', hl7ErrorCode: '102' });
    expectIssue(setField(orm, 'ORC', 9, '20240230101200'), { segment: 'ORC', field: 'ORC-9', code: 'AE', hl7ErrorCode: '102' });
    const nm = oru.replace('|NM|6690-2^WBC^LN||12.4|', `|NM|6690-2^WBC^LN||${CANARY.note}|`);
    const err = expectIssue(nm, { segment: 'OBX', field: 'OBX-5', code: 'AE', hl7ErrorCode: '102' });
    assert.equal(err.issues[0]?.sequence, 1);
    const sn = oru.replace('|SN|10839-9^Troponin I.cardiac^LN||<^0.01|', '|SN|10839-9^Troponin I.cardiac^LN||about^CANARY|');
    assert.equal(expectIssue(sn, { segment: 'OBX', field: 'OBX-5', code: 'AE', hl7ErrorCode: '102' }).issues[0]?.sequence, 5);
    expectIssue(setField(rde, 'RXE', 3, 'CANARY'), { segment: 'RXE', field: 'RXE-3', code: 'AE', hl7ErrorCode: '102' });
  });

  it('reports missing codes and statuses of results and orders', () => {
    expectIssue(oru.replace('|6690-2^WBC^LN|', '|^WBC|'), { segment: 'OBX', field: 'OBX-3', code: 'AE', hl7ErrorCode: '101' });
    // No OBX-11 and no OBR-25 to fall back on.
    expectIssue(setField(setField(oru, 'OBX', 11, ''), 'OBR', 25, ''), { segment: 'OBX', field: 'OBX-11', code: 'AE', hl7ErrorCode: '101' });
    assert.doesNotThrow(() => mapHl7Message(setField(oru, 'OBX', 11, ''), options));
    expectIssue(setField(orm, 'OBR', 4, '^CT HEAD'), { segment: 'OBR', field: 'OBR-4', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(orm, 'ORC', 1, ''), { segment: 'ORC', field: 'ORC-1', code: 'AE', hl7ErrorCode: '101' });
    expectIssue(setField(rde, 'RXE', 2, '^Acetaminophen^RXNORM'), { segment: 'RXE', field: 'RXE-2', code: 'AE', hl7ErrorCode: '101' });
  });

  it('reports segments out of sequence', () => {
    expectIssue(withoutSegments(orm, 'OBR'), { segment: 'ORC', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(withoutSegments(rde, 'RXE'), { segment: 'ORC', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(withoutSegments(orm, 'ORC'), { segment: 'OBR', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(withoutSegments(withoutSegments(oru, 'OBR'), 'ORC'), { segment: 'OBX', code: 'AE', hl7ErrorCode: '100' });
    expectIssue(withoutSegments(withoutSegments(oru, 'OBR'), 'OBX'), { segment: 'ORC', code: 'AE', hl7ErrorCode: '100' });
    // A second patient after an order (an OML prior-result group) is refused, not guessed at.
    const lines = oml.split('\r');
    const pid = lines.find((l) => l.startsWith('PID|')) ?? '';
    const withPrior = [...lines.slice(0, -1), pid, ...lines.slice(-1)].join('\r');
    expectIssue(withPrior, { segment: 'PID', code: 'AE', hl7ErrorCode: '100' });
  });

  it('reports every issue of a message at once, each located', () => {
    let text = setField(orm, 'PID', 7, CANARY.dob);
    text = setField(text, 'OBR', 4, '');
    text = setField(text, 'PV1', 19, '');
    const err = mappingError(text);
    assert.deepEqual(
      err.issues.map((i) => [i.field, i.hl7ErrorCode]).sort(),
      [
        ['OBR-4', '101'],
        ['PID-7', '102'],
        ['PV1-19', '101'],
      ],
    );
    assert.match(err.message, /PID-7: birth date must be an HL7 date/);
  });

  it('lets errors of the key callbacks through unchanged, and refuses a bad time zone option', () => {
    const failing = { ...options, patientKey: (): string => { throw new Error('key store unavailable'); } };
    assert.throws(() => mapHl7Message(adt, failing), { message: 'key store unavailable' });
    assert.throws(() => mapHl7Message(adt, { ...options, timeZone: 'Nowhere/Special' }), RangeError);
    // A key that the envelope refuses is the gateway's fault, reported as an internal error (207).
    const spaced = { ...options, patientKey: (): string => 'has a space' };
    assert.throws(() => mapHl7Message(adt, spaced), (e: unknown) => e instanceof Hl7MappingError && e.issues[0]?.hl7ErrorCode === '207');
  });
});

describe('HL7 mapping of damaged messages', () => {
  it('either maps or throws a located Hl7MappingError, never anything else, never quoting the message', () => {
    // A fixed-seed generator: the same damaged messages on every run.
    let seed = 20240315;
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '|^~\\&\r0123456789ACXZ.-+"<> ';
    const sources = [adt, oru, orm, oml, rde, a03];
    for (let n = 0; n < 600; n++) {
      let text = sources[n % sources.length] ?? '';
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * text.length);
        const ch = alphabet[Math.floor(random() * alphabet.length)] ?? '';
        text = random() < 0.5 ? text.slice(0, at) + ch + text.slice(at + 1) : text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
      }
      try {
        mapHl7Message(text, options);
      } catch (err) {
        assert.ok(err instanceof Hl7MappingError, `message ${n}: ${String(err)}`);
        assert.ok(err.issues.length > 0);
        assert.equal(containsCanary(`${err.message}${JSON.stringify(err.issues)}`), undefined);
      }
    }
  });
});
