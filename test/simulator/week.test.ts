import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { INTERACTING_PAIRS } from '../../src/simulator/medications.ts';
import { MESSAGE_TYPES } from '../../src/simulator/messages.ts';
import type { UnitConfig } from '../../src/simulator/units.ts';
import { placerOf, simulateWeek, type Parsed } from './week.ts';

let week: Parsed[] = [];
let units: readonly UnitConfig[] = [];

before(() => {
  ({ messages: week, units } = simulateWeek('vigil-week'));
});

const ofType = (type: string): Parsed[] => week.filter((p) => p.sim.type === type);

describe('a simulated week', () => {
  it('has believable volume and every message type', () => {
    assert.ok(week.length > 5_000 && week.length < 40_000, `${week.length} messages`);
    for (const type of MESSAGE_TYPES) assert.ok(ofType(type).length > 0, `no ${type}`);
  });

  it('parses as HL7 v2.5.1 with the expected MSH-9, a unique MSH-10 and CR-separated segments', () => {
    const expected = new Set<string>(MESSAGE_TYPES);
    const ids = new Set<string>();
    for (const p of week) {
      const msh = p.hl7.header;
      const type = `${msh.getComponent(9, 1)}^${msh.getComponent(9, 2)}`;
      assert.ok(expected.has(type), type);
      assert.equal(type, p.sim.type);
      assert.equal(msh.getField(12).toString(), '2.5.1');
      const controlId = msh.getField(10).toString();
      assert.equal(controlId, p.sim.controlId);
      assert.ok(controlId.length > 0 && controlId.length <= 20);
      assert.ok(!ids.has(controlId), `duplicate control id ${controlId}`);
      ids.add(controlId);
      assert.ok(!p.sim.message.includes('\n'));
      assert.ok(p.sim.message.split('\r').every((s) => /^[A-Z][A-Z0-9]{2}\|/.test(s)));
      assert.equal(msh.getField(7).toString().length, 19, 'MSH-7 with seconds and offset');
      assert.ok(p.hl7.getSegment('PID') && p.hl7.getSegment('PV1'), 'patient and visit in every message');
      assert.ok(!/^\d{8,}$/.test(p.sim.patientRef) && !p.sim.message.includes(`|${p.sim.patientRef}|`), 'patientRef is not an identifier in the message');
    }
  });

  it('comes in simulated-time order from the right source systems', () => {
    for (let i = 1; i < week.length; i++) assert.ok(week[i]!.sim.at >= week[i - 1]!.sim.at);
    const sources: Record<string, string[]> = { ADT: ['EPIC'], OML: ['EPIC'], ORM: ['EPIC'], RDE: ['RX'], ORU: ['LAB', 'RAD', 'EPIC'] };
    for (const p of week) assert.ok(sources[p.sim.type.slice(0, 3)]!.includes(p.app), `${p.sim.type} from ${p.app}`);
  });

  it('keeps each encounter in causal order: registration first, orders before results, discharge last', () => {
    const opened = new Set<string>();
    const closed = new Set<string>();
    const open = new Map<string, string>(); // patient -> open visit
    const ordered = new Map<string, string>(); // placer -> visit
    let results = 0;
    for (const p of week) {
      const { visit } = p;
      const patient = p.sim.patientRef;
      assert.ok(!closed.has(visit), `message after discharge (${p.sim.type})`);
      if (!opened.has(visit)) {
        assert.ok(p.sim.type === 'ADT^A01' || p.sim.type === 'ADT^A04', `encounter starts with ${p.sim.type}`);
        assert.equal(open.get(patient), undefined, 'a patient has one encounter at a time');
        opened.add(visit);
        open.set(patient, visit);
      }
      assert.equal(open.get(patient), visit, 'message of the open encounter');
      if (p.sim.type === 'OML^O21' || p.sim.type === 'ORM^O01') ordered.set(placerOf(p), visit);
      if (p.sim.type === 'ORU^R01' && p.app !== 'EPIC') {
        const placer = placerOf(p);
        assert.ok(placer, 'results from LAB and RAD answer an order');
        assert.equal(ordered.get(placer), visit, 'the order was seen earlier, for the same encounter');
        results++;
      }
      if (p.sim.type === 'ADT^A03') {
        closed.add(visit);
        open.delete(patient);
      }
    }
    assert.ok(results > 1000);
    assert.ok(closed.size > 300);
  });

  it('never puts two patients in one bed nor more patients in a unit than it has beds', () => {
    const beds = new Map(units.map((u) => [u.code, u.beds]));
    const bedOf = new Map<string, string>(); // visit -> bed
    const occupant = new Map<string, string>(); // bed -> visit
    const count = new Map<string, number>();
    const leave = (visit: string): void => {
      const bed = bedOf.get(visit);
      assert.ok(bed, 'leaves a bed it holds');
      occupant.delete(bed);
      bedOf.delete(visit);
      const unit = bed.split('^')[0]!;
      count.set(unit, count.get(unit)! - 1);
    };
    const enter = (visit: string, bed: string): void => {
      assert.equal(occupant.get(bed), undefined, `bed ${bed} taken`);
      occupant.set(bed, visit);
      bedOf.set(visit, bed);
      const unit = bed.split('^')[0]!;
      count.set(unit, (count.get(unit) ?? 0) + 1);
      assert.ok(count.get(unit)! <= beds.get(unit)!, `unit ${unit} over capacity`);
    };
    let peak = 0;
    for (const p of week) {
      if (!p.sim.type.startsWith('ADT')) continue;
      const pv1 = p.hl7.getSegment('PV1')!;
      const bed = [1, 2, 3].map((c) => pv1.getComponent(3, c)).join('^');
      if (p.sim.type === 'ADT^A01' || p.sim.type === 'ADT^A04') enter(p.visit, bed);
      if (p.sim.type === 'ADT^A02') {
        assert.equal([1, 2, 3].map((c) => pv1.getComponent(6, c)).join('^'), bedOf.get(p.visit), 'PV1-6 is the bed left');
        leave(p.visit);
        enter(p.visit, bed);
      }
      if (p.sim.type === 'ADT^A03') leave(p.visit);
      peak = Math.max(peak, [...count].filter(([u]) => u !== 'ED').reduce((n, [, c]) => n + c, 0));
    }
    const inpatientBeds = units.filter((u) => u.kind !== 'emergency').reduce((n, u) => n + u.beds, 0);
    // A busy hospital, not an empty one: the inpatient census reaches at least 60% of its beds.
    assert.ok(peak >= 0.6 * inpatientBeds, `peak census ${peak} of ${inpatientBeds}`);
  });

  it('flags lab results at a plausible abnormal and critical rate, consistently with the ranges', () => {
    let total = 0;
    let abnormal = 0;
    let critical = 0;
    for (const p of week) {
      if (p.app !== 'LAB') continue;
      for (const obx of p.hl7.getAllSegments('OBX')) {
        total++;
        const flag = obx.getField(8).toString();
        const value = Number(obx.getField(5).toString());
        const range = obx.getField(7).toString();
        const loinc = obx.getComponent(3, 1);
        if (flag) abnormal++;
        if (flag === 'HH' || flag === 'LL') critical++;
        const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(range);
        if (match) {
          const [low, high] = [Number(match[1]), Number(match[2])];
          if (value < low) assert.ok(flag === 'L' || flag === 'LL', `${value} below ${range} flagged ${flag}`);
          else if (value > high) assert.ok(flag === 'H' || flag === 'HH', `${value} above ${range} flagged ${flag}`);
          else assert.equal(flag, '', `${value} within ${range} flagged ${flag}`);
        }
        // Kost's critical limits for potassium and glucose.
        if (loinc === '2823-3' && (value > 6.2 || value < 2.8)) assert.ok(flag === 'HH' || flag === 'LL');
        if (loinc === '2345-7' && (value > 484 || value < 46)) assert.ok(flag === 'HH' || flag === 'LL');
        if (flag === 'HH' && loinc === '2823-3') assert.ok(value > 6.2);
      }
    }
    assert.ok(total > 5000, `${total} lab values`);
    const abnormalRate = abnormal / total;
    const criticalRate = critical / total;
    assert.ok(abnormalRate >= 0.1 && abnormalRate <= 0.4, `abnormal rate ${abnormalRate}`);
    assert.ok(criticalRate >= 0.002 && criticalRate <= 0.05, `critical rate ${criticalRate}`);
  });

  it('reports the LOINC vital signs and lab analytes the consumers look for', () => {
    const codes = new Set(week.filter((p) => p.sim.type === 'ORU^R01').flatMap((p) => p.hl7.getAllSegments('OBX').map((o) => o.getComponent(3, 1))));
    for (const code of ['8867-4', '9279-1', '59408-5', '8480-6', '8310-5', '67775-7', '2823-3', '2951-2', '2345-7', '2160-0', '718-7', '777-3', '787-2', '6690-2', '6301-6', '4548-4']) {
      assert.ok(codes.has(code), `no OBX ${code}`);
    }
  });

  it('orders interacting drug pairs for some patients, with RxNorm codes, dose, route and frequency', () => {
    const meds = new Map<string, Set<string>>();
    for (const p of ofType('RDE^O11')) {
      const rxe = p.hl7.getSegment('RXE')!;
      assert.equal(rxe.getComponent(2, 3), 'RXNORM');
      assert.ok(Number(rxe.getField(3).toString()) > 0, 'dose');
      assert.ok(rxe.getComponent(5, 1), 'dose units');
      assert.ok(p.hl7.getSegment('RXR')!.getComponent(1, 1), 'route');
      assert.ok(p.hl7.getSegment('TQ1')!.getField(3).toString(), 'frequency');
      const set = meds.get(p.sim.patientRef) ?? new Set<string>();
      set.add(rxe.getComponent(2, 1));
      meds.set(p.sim.patientRef, set);
    }
    const withPair = [...meds.values()].filter((set) => INTERACTING_PAIRS.some(([a, b]) => set.has(a) && set.has(b)));
    assert.ok(withPair.length >= 1, 'no interacting pair');
    const all = new Set([...meds.values()].flatMap((s) => [...s]));
    for (const code of ['6809', '29046', '83367', '11289']) assert.ok(all.has(code), `RxNorm ${code} never ordered`);
  });

  it('orders imaging by CPT, some of it needing prior authorization', () => {
    const cpts = new Set(ofType('ORM^O01').map((p) => p.hl7.getSegment('OBR')!.getComponent(4, 1)));
    assert.ok(cpts.has('71046'), 'chest X-ray');
    assert.ok(['70553', '74177', '78815'].some((c) => cpts.has(c)), 'prior-authorization imaging');
    for (const p of ofType('ORM^O01')) assert.equal(p.hl7.getSegment('OBR')!.getComponent(4, 3), 'C4');
  });

  it('codes diagnoses in ICD-10-CM, with the chronic conditions the consumers care about', () => {
    const codes = new Set(week.flatMap((p) => p.hl7.getAllSegments('DG1').map((d) => d.getComponent(3, 1))));
    for (const prefix of ['E11.', 'I50.', 'J44.', 'N18.']) assert.ok([...codes].some((c) => c.startsWith(prefix)), `no ${prefix}x`);
    for (const p of week) for (const dg1 of p.hl7.getAllSegments('DG1')) assert.equal(dg1.getComponent(3, 3), 'I10C');
  });

  it('identifies patients with an MRN, name, birth date and sex, and visits with a number and class', () => {
    for (const p of week) {
      const pid = p.hl7.getSegment('PID')!;
      assert.equal(pid.getComponent(3, 5), 'MR');
      assert.ok(pid.getComponent(3, 4));
      assert.ok(pid.getComponent(5, 1) && pid.getComponent(5, 2));
      assert.match(pid.getField(7).toString(), /^\d{8}$/);
      assert.match(pid.getField(8).toString(), /^[MF]$/);
      const pv1 = p.hl7.getSegment('PV1')!;
      assert.ok(p.visit);
      assert.match(pv1.getField(2).toString(), /^[IE]$/);
    }
    const payers = new Set(week.flatMap((p) => p.hl7.getAllSegments('IN1').map((s) => s.getField(3).toString())));
    assert.ok(payers.size >= 3, 'a few payers');
  });
});
