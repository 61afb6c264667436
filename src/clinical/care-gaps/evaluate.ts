// The care-gap rules as pure functions of a patient's facts and an instant T: which gaps are open,
// overdue or closed at T, and the next instant at which time alone changes the answer (the wake
// time the due sweeper fires at). Only facts at or before T count, so the answer for T does not
// depend on what the timeline happens to hold about later times.
import type { CareGapRules, RuleId } from './rules.ts';

export interface DiagnosisFact {
  system: string;
  code: string;
  recordedAt: string;
}

export interface HbA1cFact {
  eventId: string;
  at: string;
  value: number | string | null;
  units?: string;
  /** HL7 result status: X (cancelled) does not count as a test. */
  status: string;
}

export interface EncounterFact {
  encounterId: string;
  class: string | null;
  admitTime?: string;
  dischargeTime?: string;
}

export interface CodedEventFact {
  system: string;
  code: string;
  at: string;
}

/** What the rules read: from the patient timeline. */
export interface CareGapFacts {
  diagnoses: DiagnosisFact[];
  hba1c: HbA1cFact[];
  encounters: EncounterFact[];
  /** Orders (and other coded events) that may be a medication reconciliation. */
  orders: CodedEventFact[];
}

export type GapStatus = 'open' | 'overdue' | 'closed';
/** Why a gap closed. `no-longer-applies` and `superseded` are decided by the caller (the rule no longer names the gap). */
export type CloseReason = 'met' | 'met-late' | 'readmitted' | 'superseded' | 'no-longer-applies';

export interface GapFinding {
  /** Identity of the gap across evaluations: the rule and what it is about (the patient, a discharge). */
  key: string;
  ruleId: RuleId;
  encounterId: string | null;
  status: GapStatus;
  reason?: CloseReason;
  dueAt: string;
  explanation: string;
}

export interface Evaluation {
  findings: GapFinding[];
  /** The next instant after T at which a finding changes by time alone. */
  wakeAt?: string;
  /** The rules whose time comes at wakeAt. */
  wakeRules: RuleId[];
}

const DAY_MS = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const day = (t: string) => t.slice(0, 10);

/** Calendar months in UTC; a day the target month lacks falls back to its last day (Jan 31 + 1 = Feb 28/29). */
export function addMonths(at: string, months: number): string {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return iso(Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
}

export function evaluateCareGaps(rules: CareGapRules, facts: CareGapFacts, at: string): Evaluation {
  const T = ms(at);
  const findings: GapFinding[] = [];
  const wakes: { at: number; rule: RuleId }[] = [];
  const wake = (rule: RuleId, dueAt: string) => {
    if (ms(dueAt) > T) wakes.push({ at: ms(dueAt), rule });
  };

  // Diabetes: a coded diagnosis recorded by T.
  const { diabetes, hba1c } = rules.codes;
  const norm = (code: string) => code.replace('.', '').toUpperCase();
  const diabetic = facts.diagnoses
    .filter((d) => d.system === diabetes.system && diabetes.prefixes.some((p) => norm(d.code).startsWith(norm(p))) && ms(d.recordedAt) <= T)
    .sort((a, b) => ms(a.recordedAt) - ms(b.recordedAt));
  const tests = facts.hba1c.filter((h) => h.status !== 'X' && h.value !== null && ms(h.at) <= T).sort((a, b) => ms(b.at) - ms(a.at));
  const first = diabetic[0];
  if (first) {
    const rule = rules.rules['diabetes-hba1c-testing'];
    const last = tests[0];
    // Never tested: due from the diagnosis on. Tested: due when the test is a full window old.
    const dueAt = last ? addMonths(last.at, rule.windowMonths) : first.recordedAt;
    const open = T >= ms(dueAt);
    findings.push({
      key: 'diabetes-hba1c-testing',
      ruleId: 'diabetes-hba1c-testing',
      encounterId: null,
      status: open ? 'open' : 'closed',
      ...(open ? {} : { reason: 'met' as const }),
      dueAt,
      explanation: open
        ? `Diabetes (${diabetes.system === first.system ? 'ICD-10-CM ' : ''}${first.code}) and no HbA1c in the last ${rule.windowMonths} months${last ? ` (last on ${day(last.at)})` : ''}: an HbA1c is due since ${day(dueAt)}.`
        : `HbA1c on ${day((last as HbA1cFact).at)}; the next is due by ${day(dueAt)}.`,
    });
    if (!open) wake('diabetes-hba1c-testing', dueAt);

    const control = rules.rules['diabetes-hba1c-poor-control'];
    // Poor control is judged on the last numeric result in %, the units the HEDIS cut-off is in.
    const judged = tests.find((h) => typeof h.value === 'number' && hba1c.units.includes(h.units ?? ''));
    if (judged) {
      const value = judged.value as number;
      const retestAt = addMonths(judged.at, control.retestMonths);
      const poor = value > control.abovePercent;
      findings.push({
        key: 'diabetes-hba1c-poor-control',
        ruleId: 'diabetes-hba1c-poor-control',
        encounterId: null,
        status: !poor ? 'closed' : T >= ms(retestAt) ? 'overdue' : 'open',
        ...(poor ? {} : { reason: 'met' as const }),
        dueAt: retestAt,
        explanation: poor
          ? `Last HbA1c ${value} % on ${day(judged.at)} is above ${control.abovePercent} % (poor control, HEDIS convention); a repeat HbA1c and a review of treatment are due by ${day(retestAt)}.`
          : `Last HbA1c ${value} % on ${day(judged.at)} is not above ${control.abovePercent} %.`,
      });
      if (poor) wake('diabetes-hba1c-poor-control', retestAt);
    }
  }

  // Transitional care: the latest discharge from a qualifying stay, by T.
  for (const ruleId of ['discharge-follow-up-7d', 'discharge-medication-reconciliation-30d'] as const) {
    const rule = rules.rules[ruleId];
    const discharge = facts.encounters
      .filter((e) => e.dischargeTime && ms(e.dischargeTime) <= T && rule.dischargeClasses.includes(e.class ?? ''))
      .sort((a, b) => ms(b.dischargeTime as string) - ms(a.dischargeTime as string))[0];
    if (!discharge) continue;
    const tD = ms(discharge.dischargeTime as string);
    const due = tD + rule.withinDays * DAY_MS;
    const dueAt = iso(due);
    const after = (t: string | undefined, inclusive: boolean) => t !== undefined && (inclusive ? ms(t) >= tD : ms(t) > tD) && ms(t) <= T;
    const readmitted = facts.encounters.some((e) => e.encounterId !== discharge.encounterId && rule.dischargeClasses.includes(e.class ?? '') && after(e.admitTime, false));
    // Follow-up: a contact after the discharge; reconciliation: from the day of discharge on.
    const contacts =
      ruleId === 'discharge-follow-up-7d'
        ? facts.encounters.filter((e) => rules.rules['discharge-follow-up-7d'].contactClasses.includes(e.class ?? '') && after(e.admitTime, false)).map((e) => ms(e.admitTime as string))
        : facts.orders
            .filter((o) => rules.codes.medicationReconciliation.some((c) => c.system === o.system && c.code === o.code) && after(o.at, true))
            .map((o) => ms(o.at));
    const inTime = contacts.some((t) => t <= due);
    const what = ruleId === 'discharge-follow-up-7d' ? 'follow-up contact' : 'medication reconciliation';
    let status: GapStatus;
    let reason: CloseReason | undefined;
    if (inTime) [status, reason] = ['closed', 'met'];
    else if (readmitted) [status, reason] = ['closed', 'readmitted'];
    else if (T < due) status = 'open';
    else if (contacts.length > 0) [status, reason] = ['closed', 'met-late'];
    else status = 'overdue';
    findings.push({
      key: `${ruleId}:${discharge.encounterId}`,
      ruleId,
      encounterId: discharge.encounterId,
      status,
      ...(reason ? { reason } : {}),
      dueAt,
      explanation:
        reason === 'met'
          ? `A ${what} within ${rule.withinDays} days of the discharge on ${day(discharge.dischargeTime as string)}.`
          : reason === 'met-late'
            ? `A ${what} came after the ${rule.withinDays}-day window of the discharge on ${day(discharge.dischargeTime as string)}.`
            : reason === 'readmitted'
              ? `Readmitted before a ${what}; the next discharge starts a new window.`
              : `Discharged on ${day(discharge.dischargeTime as string)}: a ${what} is due within ${rule.withinDays} days, by ${day(dueAt)}${status === 'overdue' ? ', and none was recorded' : ''}.`,
    });
    if (status === 'open') wake(ruleId, dueAt);
  }

  const next = Math.min(...wakes.map((w) => w.at));
  return Number.isFinite(next)
    ? { findings, wakeAt: iso(next), wakeRules: [...new Set(wakes.filter((w) => w.at === next).map((w) => w.rule))].sort() }
    : { findings, wakeRules: [] };
}
