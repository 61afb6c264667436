import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hl7Date, hl7DateTimeToUtc, resolveTimeZone } from '../../../src/gateway/hl7/datetime.ts';

const utc = resolveTimeZone('UTC');

describe('HL7 date/time to UTC', () => {
  it('reads every precision, a missing part being the start of the period', () => {
    assert.equal(hl7DateTimeToUtc('2024', utc), '2024-01-01T00:00:00.000Z');
    assert.equal(hl7DateTimeToUtc('202403', utc), '2024-03-01T00:00:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240315', utc), '2024-03-15T00:00:00.000Z');
    assert.equal(hl7DateTimeToUtc('2024031508', utc), '2024-03-15T08:00:00.000Z');
    assert.equal(hl7DateTimeToUtc('202403150830', utc), '2024-03-15T08:30:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240315083012', utc), '2024-03-15T08:30:12.000Z');
  });

  it('reads fractional seconds as decimal fractions (medplum reads .1 as 1 ms)', () => {
    assert.equal(hl7DateTimeToUtc('20240315083012.1', utc), '2024-03-15T08:30:12.100Z');
    assert.equal(hl7DateTimeToUtc('20240315083012.12', utc), '2024-03-15T08:30:12.120Z');
    assert.equal(hl7DateTimeToUtc('20240315083012.1234', utc), '2024-03-15T08:30:12.123Z');
    assert.equal(hl7DateTimeToUtc('20240315083012.0005', utc), '2024-03-15T08:30:12.000Z');
  });

  it('applies an explicit offset at any precision', () => {
    assert.equal(hl7DateTimeToUtc('20240315083012-0500', utc), '2024-03-15T13:30:12.000Z');
    assert.equal(hl7DateTimeToUtc('20240315083012.5+0530', utc), '2024-03-15T03:00:12.500Z');
    assert.equal(hl7DateTimeToUtc('202403152230+0000', utc), '2024-03-15T22:30:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240315-0500', utc), '2024-03-15T05:00:00.000Z');
    // An explicit offset wins over the site zone.
    assert.equal(hl7DateTimeToUtc('20240315083012-0500', resolveTimeZone('Asia/Tokyo')), '2024-03-15T13:30:12.000Z');
  });

  it('reads times without an offset in the site zone: fixed offsets and IANA names with daylight saving', () => {
    assert.equal(hl7DateTimeToUtc('20240315083000', resolveTimeZone('-05:00')), '2024-03-15T13:30:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240315083000', resolveTimeZone('+0100')), '2024-03-15T07:30:00.000Z');
    const chicago = resolveTimeZone('America/Chicago');
    assert.equal(hl7DateTimeToUtc('20240118101500', chicago), '2024-01-18T16:15:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240712101500', chicago), '2024-07-12T15:15:00.000Z');
    // 02:30 on 10 March 2024 does not exist in Chicago: read as 03:30 CDT.
    assert.equal(hl7DateTimeToUtc('20240310023000', chicago), '2024-03-10T08:30:00.000Z');
    // 01:30 on 3 November 2024 happens twice: the first (CDT) is taken.
    assert.equal(hl7DateTimeToUtc('20241103013000', chicago), '2024-11-03T06:30:00.000Z');
    assert.equal(hl7DateTimeToUtc('20240315', resolveTimeZone('Europe/Berlin')), '2024-03-14T23:00:00.000Z');
  });

  it('refuses values that are not valid DTMs', () => {
    for (const bad of ['', '24', '2024031', '20241315', '20240230', '20230229', '20240315246000', '20240315086000', '20240315083060',
      '20240315083012.', '20240315083012-05', '20240315083012-2500', '2024-03-15', '20240315 0830', 'CANARY']) {
      assert.equal(hl7DateTimeToUtc(bad, utc), undefined, bad);
    }
    assert.equal(hl7DateTimeToUtc('20240229', utc), '2024-02-29T00:00:00.000Z');
  });

  it('gives dates as calendar dates, as precise as sent and never shifted by a zone', () => {
    assert.equal(hl7Date('19310228'), '1931-02-28');
    assert.equal(hl7Date('193102'), '1931-02');
    assert.equal(hl7Date('1931'), '1931');
    assert.equal(hl7Date('193102282330-1200'), '1931-02-28');
    assert.equal(hl7Date('19310229'), undefined);
  });

  it('refuses a time zone option it cannot read', () => {
    assert.throws(() => resolveTimeZone('Mars/Olympus_Mons'), RangeError);
    assert.throws(() => resolveTimeZone('+25:00'), RangeError);
  });
});
