import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hl7EventId } from '../../../src/gateway/hl7/event-id.ts';
import { mapHl7Message } from '../../../src/gateway/hl7/mapper.ts';
import { fixture, options, setField } from './fixtures.ts';

const ids = (text: string): string[] => mapHl7Message(text, options).events.map((e) => e.event_id);

describe('HL7 event ids', () => {
  it('are the same for a retransmission of the same message', () => {
    for (const name of ['epic-adt-a01-v251.hl7', 'lab-oru-r01-v23.hl7', 'oml-o21-lab-v251.hl7', 'rde-o11-rxnorm-v251.hl7']) {
      const text = fixture(name);
      assert.deepEqual(ids(text), ids(text), name);
      // A resend with a new MSH-7 is still the same message.
      assert.deepEqual(ids(setField(text, 'MSH', 7, '20250101000000')), ids(text), name);
    }
  });

  it('change with the control id, the sending facility or the sending application', () => {
    const text = fixture('lab-oru-r01-v23.hl7');
    const base = ids(text);
    for (const changed of [setField(text, 'MSH', 10, 'LAB-000124'), setField(text, 'MSH', 4, 'OTHERLAB'), setField(text, 'MSH', 3, 'OTHERAPP')]) {
      const next = ids(changed);
      assert.equal(next.length, base.length);
      next.forEach((id, i) => assert.notEqual(id, base[i]));
    }
  });

  it('number the events of one message apart, and hash the source fields unambiguously', () => {
    const base = ids(fixture('lab-oru-r01-v23.hl7'));
    assert.equal(new Set(base).size, 3);
    assert.deepEqual(base, [0, 1, 2].map((i) => hl7EventId('MAINLAB', 'SUNQUEST', 'LAB-000123', i)));
    assert.notEqual(hl7EventId('AB', 'C', '1', 0), hl7EventId('A', 'BC', '1', 0));
    assert.match(hl7EventId('F', 'A', '1', 0), /^hl7-[0-9a-f]{32}$/);
  });
});
