// ai-drug-interaction-check: a new medication order against the patient's active medications.
// Pure: (event, history) -> decision. One finding per interacting ingredient pair, as an output
// record (key patient_id) and as a store write with the same value. Only new orders (ORC-1 NW) are
// checked; cancels and discontinues change nothing to check. A code that cannot be resolved to
// RxNorm ingredients yields no alert (no false alarm) but a write that says so (no silent pass).
// Findings carry clinical text and drug names: they go to the protected output and store only,
// never to logs.
import { createHash } from 'node:crypto';
import type { ClinicalEvent, JsonObject } from '../event/envelope.ts';
import type { Coding, MedicationOrderPayload } from '../event/payloads.ts';
import { loadIngredientMap, resolveIngredients } from '../clinical/interactions/ingredient-map.ts';
import { loadInteractionKnowledgeBase } from '../clinical/interactions/knowledge-base.ts';
import { findInteractions, type InteractionMatch } from '../clinical/interactions/lookup.ts';
import { adjustedRisk, applicableModifiers, BASE_RISK, type ModifierFacts, type RiskLevel } from '../clinical/interactions/risk.ts';
import type { IngredientMap, IngredientRef, InteractionKnowledgeBase, RiskModifier, Severity } from '../clinical/interactions/types.ts';
import { NonRetryableError, type Decision } from '../runtime/worker.ts';
import type { MedicationEntry, PatientHistory } from './history.ts';

export { findInteractions, rulesBetween, type InteractionMatch } from '../clinical/interactions/lookup.ts';
export { loadIngredientMap, parseIngredientMap, resolveIngredients, type Resolution } from '../clinical/interactions/ingredient-map.ts';
export { loadInteractionKnowledgeBase, parseInteractionKnowledgeBase } from '../clinical/interactions/knowledge-base.ts';
export { ClinicalDataError } from '../clinical/interactions/data-reader.ts';
export { adjustedRisk, applicableModifiers, RISK_LEVELS, type RiskLevel } from '../clinical/interactions/risk.ts';

export const DRUG_INTERACTION_GROUP = 'ai-drug-interaction-check';
export const DEFAULT_DRUG_INTERACTION_TOPIC = 'ai-drug-interaction-alerts';

export interface DrugInteractionOptions {
  /** Output topic for findings. */
  topic?: string;
  /** Defaults to clinical/drug-interactions.json. */
  knowledgeBase?: InteractionKnowledgeBase;
  /** Defaults to clinical/rxnorm-ingredients.json. */
  ingredientMap?: IngredientMap;
  /** ORC-1 order controls that start a check. */
  checkedControls?: readonly string[];
}

export type DrugInteractionProcessor = (event: ClinicalEvent, history: PatientHistory) => Decision;

export interface DrugInteractionFinding {
  kind: 'drug_interaction';
  finding_id: string;
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  at: string;
  severity: Severity;
  base_risk: RiskLevel;
  adjusted_risk: RiskLevel;
  /** [ordered ingredient, active ingredient]. */
  pair: [IngredientRef, IngredientRef];
  ordered_medication: Coding;
  /** The active medication orders (events) that hold the second ingredient. */
  active_event_ids: string[];
  mechanism: string;
  management: string;
  risk_modifiers: { id: string; effect: 'raise' | 'lower'; note: string; source: string }[];
  rule: { id: string; tier: string; version: string; source: string };
  explanation: string;
}

/** No alert for codes that could not be resolved, but a record that the check was incomplete. */
export interface UnmappedCodesRecord {
  kind: 'drug_interaction_unmapped';
  patient_id: string;
  encounter_id: string | null;
  source_event_id: string;
  at: string;
  reason: 'unmapped code';
  /** False when the ordered drug itself was unmapped, so no pair was checked at all. */
  checked: boolean;
  codes: { role: 'ordered' | 'active'; system: string; code: string; event_id: string; detail: string }[];
  knowledge_base_version: string;
  ingredient_map_version: string;
}

export function drugInteractionProcessor(options: DrugInteractionOptions = {}): DrugInteractionProcessor {
  const topic = options.topic ?? DEFAULT_DRUG_INTERACTION_TOPIC;
  const kb = options.knowledgeBase ?? loadInteractionKnowledgeBase();
  const map = options.ingredientMap ?? loadIngredientMap();
  const controls = new Set(options.checkedControls ?? ['NW']);

  return (event, history) => {
    if (event.event_type !== 'medication_order') return {};
    const order = readOrder(event);
    if (!controls.has(order.control)) return {};

    const base = { patient_id: event.patient_id, encounter_id: event.encounter_id, source_event_id: event.event_id, at: event.event_timestamp };
    const unmapped: UnmappedCodesRecord['codes'] = [];
    const unmappedRecord = (checked: boolean): JsonObject => {
      const record: UnmappedCodesRecord = {
        kind: 'drug_interaction_unmapped',
        ...base,
        reason: 'unmapped code',
        checked,
        codes: unmapped,
        knowledge_base_version: kb.version,
        ingredient_map_version: map.version,
      };
      return record as unknown as JsonObject;
    };

    const ordered = resolveIngredients(order.medication, map, kb);
    if (ordered.status === 'unmapped') {
      unmapped.push({ role: 'ordered', system: order.medication.system, code: order.medication.code, event_id: event.event_id, detail: ordered.detail });
      return { writes: [unmappedRecord(false)] };
    }

    // Active ingredient code -> the ingredient and the orders holding it.
    const active = new Map<string, { ingredient: IngredientRef; eventIds: string[] }>();
    for (const med of activeOthers(history.activeMedications, event)) {
      const resolved = resolveIngredients(med.medication, map, kb);
      if (resolved.status === 'unmapped') {
        unmapped.push({ role: 'active', system: med.medication.system, code: med.medication.code, event_id: med.eventId, detail: resolved.detail });
        continue;
      }
      for (const ingredient of resolved.ingredients) {
        const entry = active.get(ingredient.code);
        if (entry) {
          if (!entry.eventIds.includes(med.eventId)) entry.eventIds.push(med.eventId);
        } else active.set(ingredient.code, { ingredient, eventIds: [med.eventId] });
      }
    }

    const orderedCodes = new Set(ordered.ingredients.map((i) => i.code));
    const facts: ModifierFacts = {
      ingredientCodes: new Set([...active.keys(), ...orderedCodes]),
      orderedIngredientCodes: orderedCodes,
    };
    if (history.age !== undefined) facts.age = history.age;
    if (order.dose) facts.orderedDose = order.dose;

    const matches = findInteractions(ordered.ingredients, [...active.values()].map((a) => a.ingredient), kb);
    const findings = matches.map((match) => {
      const applied = applicableModifiers(match.rule.modifiers, facts);
      const finding = buildFinding(event, base, match, applied, kb, {
        ordered: order.medication,
        viaProduct: ordered.via === 'product',
        activeEventIds: active.get(match.active.code)?.eventIds ?? [],
      });
      return finding as unknown as JsonObject;
    });

    const writes = [...findings];
    if (unmapped.length > 0) writes.push(unmappedRecord(true));
    const decision: Decision = {};
    if (findings.length > 0) decision.outputs = findings.map((value) => ({ topic, key: event.patient_id, value }));
    if (writes.length > 0) decision.writes = writes;
    return decision;
  };
}

/** Deterministic: the same event and pair give the same id on every replay. */
export function findingId(eventId: string, ruleId: string, orderedCode: string, activeCode: string): string {
  const digest = createHash('sha256').update([eventId, ruleId, orderedCode, activeCode].join('\u0000')).digest('hex');
  return `ddi-${digest.slice(0, 32)}`;
}

interface OrderFacts {
  control: string;
  medication: Coding;
  dose?: { value?: number; units?: string };
}

// The gateway validated the payload; this guards against other producers. Errors name the field,
// never its value (values may be PHI), and cannot be fixed by retrying.
function readOrder(event: ClinicalEvent): OrderFacts {
  const payload = event.payload as Partial<Record<keyof MedicationOrderPayload, unknown>>;
  const order = payload.order as { control?: unknown } | undefined;
  const medication = payload.medication as { system?: unknown; code?: unknown; display?: unknown } | undefined;
  if (typeof order !== 'object' || order === null || typeof order.control !== 'string') {
    throw new NonRetryableError('medication_order payload: order.control must be a string');
  }
  if (typeof medication !== 'object' || medication === null || typeof medication.system !== 'string' || typeof medication.code !== 'string' || medication.code.trim() === '') {
    throw new NonRetryableError('medication_order payload: medication must have a system and a non-empty code');
  }
  const coding: Coding = { system: medication.system, code: medication.code };
  if (typeof medication.display === 'string') coding.display = medication.display;
  const facts: OrderFacts = { control: order.control.trim().toUpperCase(), medication: coding };
  const dose = payload.dose as { value?: unknown; units?: unknown } | undefined;
  if (typeof dose === 'object' && dose !== null) {
    facts.dose = {};
    if (typeof dose.value === 'number') facts.dose.value = dose.value;
    if (typeof dose.units === 'string') facts.dose.units = dose.units;
  }
  return facts;
}

/**
 * The active medications other than this order: the timeline may already hold the order itself
 * (same event id), and an entry whose end has passed by the order time no longer counts.
 */
function activeOthers(medications: readonly MedicationEntry[], event: ClinicalEvent): MedicationEntry[] {
  const at = Date.parse(event.event_timestamp);
  return medications.filter((m) => {
    if (m.eventId === event.event_id) return false;
    if (m.end === undefined) return true;
    const end = Date.parse(m.end);
    // An end that cannot be read is treated as ended: `end` is only set once a drug is stopped.
    return !Number.isNaN(end) && end > at;
  });
}

function citations(sources: readonly { citation: string }[]): string {
  return sources.map((s) => s.citation).join(' | ');
}

function buildFinding(
  event: ClinicalEvent,
  base: Pick<DrugInteractionFinding, 'patient_id' | 'encounter_id' | 'source_event_id' | 'at'>,
  match: InteractionMatch,
  applied: readonly RiskModifier[],
  kb: InteractionKnowledgeBase,
  context: { ordered: Coding; viaProduct: boolean; activeEventIds: string[] },
): DrugInteractionFinding {
  const { rule, ordered, active } = match;
  const baseRisk = BASE_RISK[rule.severity];
  const adjusted = adjustedRisk(rule.severity, applied);
  return {
    kind: 'drug_interaction',
    finding_id: findingId(event.event_id, rule.id, ordered.code, active.code),
    ...base,
    severity: rule.severity,
    base_risk: baseRisk,
    adjusted_risk: adjusted,
    pair: [ordered, active],
    ordered_medication: { ...context.ordered },
    active_event_ids: [...context.activeEventIds],
    mechanism: rule.mechanism,
    management: rule.management,
    risk_modifiers: applied.map((m) => ({ id: m.id, effect: m.effect, note: m.note, source: citations(m.source) })),
    rule: { id: rule.id, tier: rule.tier, version: kb.version, source: citations(rule.source) },
    explanation: explain(match, applied, baseRisk, adjusted, context),
  };
}

function explain(match: InteractionMatch, applied: readonly RiskModifier[], baseRisk: RiskLevel, adjusted: RiskLevel, context: { ordered: Coding; viaProduct: boolean }): string {
  const { rule, ordered, active } = match;
  const product = context.viaProduct ? ` (${context.ordered.display ?? `RxNorm ${context.ordered.code}`})` : '';
  const raised = applied.filter((m) => m.effect === 'raise').map((m) => m.note);
  const lowered = applied.filter((m) => m.effect === 'lower').map((m) => m.note);
  const adjustments = [raised.length > 0 ? `raised by: ${raised.join('; ')}` : '', lowered.length > 0 ? `lowered by: ${lowered.join('; ')}` : '']
    .filter((s) => s !== '')
    .join('; ');
  return [
    `New order for ${ordered.name}${product} with active ${active.name}: ${rule.severity} interaction.`,
    rule.mechanism,
    `Risk for this patient: ${adjusted}${adjustments === '' ? '' : ` (base ${baseRisk}; ${adjustments})`}.`,
    `Management: ${rule.management}`,
  ].join(' ');
}
