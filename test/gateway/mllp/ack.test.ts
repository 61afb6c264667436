import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAck, buildNak, escapeText } from '../../../src/gateway/mllp/ack.ts';
import { DEFAULT_DELIMITERS, readMsh } from '../../../src/gateway/mllp/msh.ts';
import { containsCanary } from '../../support/canary.ts';
import { adtMessage, parseAck } from './messages.ts';

const NOW = new Date('2026-11-26T13:30:05Z');

describe('MSH reader', () => {
  it('reads the fields an answer needs', () => {
    const reading = readMsh(adtMessage('CTL-1', 'A08'));
    assert.ok(reading.readable);
    assert.deepEqual(
      { ...reading.msh, delimiters: undefined },
      {
        delimiters: undefined,
        sendingApplication: 'EPIC',
        sendingFacility: 'NORTHWIND',
        receivingApplication: 'VIGIL',
        receivingFacility: 'HOSP',
        messageType: 'ADT',
        triggerEvent: 'A08',
        controlId: 'CTL-1',
        processingId: 'P',
        version: '2.5.1',
      },
    );
  });

  it('honours the delimiters a sender declares', () => {
    const reading = readMsh('MSH#$%*@#APP$X#FAC#RCV#RFAC#2026##ORU$R01#C9#T#2.3.1\rOBX#1');
    assert.ok(reading.readable);
    assert.equal(reading.msh.delimiters.component, '$');
    assert.equal(reading.msh.sendingApplication, 'APP$X');
    assert.equal(reading.msh.triggerEvent, 'R01');
    assert.equal(reading.msh.controlId, 'C9');
  });

  const cases: [string, string, string, number | undefined][] = [
    ['', '100', 'empty', undefined],
    ['PID|1||X', '100', 'must begin with an MSH', undefined],
    ['MSHA^~\\&|A', '102', 'MSH-1', 1],
    ['MSH|^~|A|B', '102', 'MSH-2', 2],
    ['MSH|^^\\&|A|B', '102', 'MSH-2', 2],
    ['MSH|^~|&|A|B', '102', 'MSH-2', 2],
    ['MSH|^~\\&|A|B|C|D|T||ADT^A01|', '101', 'MSH-10', 10],
    ['MSH|^~\\&|A|B|C|D|T|||C1|P|2.5', '101', 'MSH-9', 9],
    ['MSH|^~\\&|A|B|C|D|T||ADT^A01|C\x01X|P|2.5', '102', 'MSH-10', 10],
    [`MSH|^~\\&|A|B|C|D|T||ADT^A01|${'9'.repeat(200)}|P|2.5`, '102', 'MSH-10', 10],
  ];
  for (const [message, code, rule, field] of cases) {
    it(`refuses ${JSON.stringify(message.slice(0, 30))} with ${code} on ${rule}`, () => {
      const reading = readMsh(message);
      assert.ok(!reading.readable);
      assert.equal(reading.error.hl7ErrorCode, code);
      assert.equal(reading.error.field, field);
      assert.match(reading.error.rule, new RegExp(rule));
    });
  }
});

describe('ACK builder', () => {
  it('answers AA with swapped routing, ACK^trigger^ACK, a new control id, the same version and MSA-2', () => {
    const reading = readMsh(adtMessage('CTL-7', 'A03'));
    assert.ok(reading.readable);
    const text = buildAck(reading.msh, { code: 'AA' }, { now: NOW, controlId: 'ACK-1' });
    assert.equal(text, 'MSH|^~\\&|VIGIL|HOSP|EPIC|NORTHWIND|20261126133005+0000||ACK^A03^ACK|ACK-1|P|2.5.1\rMSA|AA|CTL-7\r');
    assert.notEqual(buildAck(reading.msh, { code: 'AA' }).split('|')[9], buildAck(reading.msh, { code: 'AA' }).split('|')[9]);
  });

  it('adds one ERR per error naming location, code and rule, with delimiters escaped', () => {
    const reading = readMsh(adtMessage('CTL-8'));
    assert.ok(reading.readable);
    const text = buildAck(reading.msh, {
      code: 'AE',
      errors: [
        { segment: 'PID', sequence: 1, field: 3, hl7ErrorCode: '101', rule: 'PID-3 patient identifier is required' },
        { segment: 'PV1', hl7ErrorCode: '103', rule: 'PV1-2 must be one of I|O|E & not blank ^~\\ ok\r' },
      ],
    });
    const ack = parseAck(text);
    assert.equal(ack.code, 'AE');
    assert.equal(ack.controlId, 'CTL-8');
    assert.deepEqual(ack.errors, [
      { location: 'PID^1^3', code: '101', severity: 'E', text: 'PID-3 patient identifier is required' },
      { location: 'PV1^1', code: '103', severity: 'E', text: 'PV1-2 must be one of I\\F\\O\\F\\E \\T\\ not blank \\S\\\\R\\\\E\\ ok ' },
    ]);
    assert.match(text, /\rERR\|\|PID\^1\^3\|101\^Required field missing\^HL70357\|E\|\|\|\|PID-3 patient identifier is required\r/);
    assert.equal(containsCanary(text), undefined);
  });

  it('builds a NAK from whatever MSH fields could be read, and an empty MSA-2 without MSH-10', () => {
    const partial = readMsh('MSH|^~\\&|LAB|WEST|VIGIL|HOSP|2026||ORU^R01|||2.4\rPID|1||MRN-CANARY-7731');
    assert.ok(!partial.readable);
    const text = buildNak(partial.msh, [partial.error], { now: NOW, controlId: 'N1' });
    assert.equal(
      text,
      'MSH|^~\\&|VIGIL|HOSP|LAB|WEST|20261126133005+0000||ACK^R01^ACK|N1|P|2.4\rMSA|AR|\rERR||MSH^1^10|101^Required field missing^HL70357|E||||MSH-10 message control id is required\r',
    );

    const garbage = readMsh('\u0000\u00ff MRN-CANARY-7731');
    assert.ok(!garbage.readable);
    const nak = parseAck(buildNak(garbage.msh, [garbage.error]));
    assert.equal(nak.code, 'AR');
    assert.equal(nak.controlId, '');
    assert.equal(nak.messageType, 'ACK');
    assert.deepEqual(nak.errors.map((e) => [e.location, e.code]), [['MSH^1', '100']]);
  });

  it('escapes the escape character first, so text survives a round trip', () => {
    assert.equal(escapeText('a\\F\\b|c', DEFAULT_DELIMITERS), 'a\\E\\F\\E\\b\\F\\c');
  });
});
