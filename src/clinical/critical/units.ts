// Laboratory units: the spellings senders use, normalised to one UCUM form, and conversion between
// units of one kind (g/dL <-> g/L) or across kinds (mg/dL <-> mmol/L <-> mEq/L) when the analyte's
// molar mass or valence is known. Anything not listed is unknown: the caller must not guess.

/** What a unit measures; each kind has a base unit that factors are relative to. */
export type UnitKind = 'mass' | 'substance' | 'equivalents' | 'count' | 'ratio' | 'fraction';

interface UnitDef {
  canonical: string;
  kind: UnitKind;
  /** Multiply by this to get the kind's base unit: g/L, mmol/L, mEq/L, 10*9/L, 1, L/L. */
  factor: number;
}

const UNITS: readonly UnitDef[] = [
  { canonical: 'g/L', kind: 'mass', factor: 1 },
  { canonical: 'g/dL', kind: 'mass', factor: 10 },
  { canonical: 'mg/dL', kind: 'mass', factor: 0.01 },
  { canonical: 'mg/L', kind: 'mass', factor: 0.001 },
  { canonical: 'mol/L', kind: 'substance', factor: 1000 },
  { canonical: 'mmol/L', kind: 'substance', factor: 1 },
  { canonical: 'umol/L', kind: 'substance', factor: 0.001 },
  { canonical: 'mEq/L', kind: 'equivalents', factor: 1 },
  { canonical: '10*3/uL', kind: 'count', factor: 1 },
  { canonical: '10*9/L', kind: 'count', factor: 1 },
  { canonical: '10*6/uL', kind: 'count', factor: 1000 },
  { canonical: '10*12/L', kind: 'count', factor: 1000 },
  { canonical: '/uL', kind: 'count', factor: 0.001 },
  { canonical: '10*6/L', kind: 'count', factor: 0.001 },
  { canonical: '{INR}', kind: 'ratio', factor: 1 },
  { canonical: '%', kind: 'fraction', factor: 0.01 },
  { canonical: 'L/L', kind: 'fraction', factor: 1 },
];

// Spellings seen from analysers and LIS exports, keyed after `unitKey` folding, to the canonical form.
const ALIASES: Record<string, string> = {
  'gm/dl': 'g/dL',
  'k/ul': '10*3/uL',
  'thou/ul': '10*3/uL',
  '10*3/mm3': '10*3/uL',
  'thou/mm3': '10*3/uL',
  '/nl': '10*3/uL',
  'm/ul': '10*6/uL',
  'mil/ul': '10*6/uL',
  '10*6/mm3': '10*6/uL',
  'cells/ul': '/uL',
  '/mm3': '/uL',
  'cells/mm3': '/uL',
  inr: '{INR}',
  ratio: '{INR}',
  '{ratio}': '{INR}',
  'mmol(eq)/l': 'mEq/L',
};

/** Case, spaces, micro signs, carets, superscripts and "x10E3" styles folded away. */
function unitKey(text: string): string {
  return text
    .normalize('NFKC') // superscript digits (10³) become plain digits
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[µμ]/g, 'u')
    .replace(/mcl$/, 'ul')
    .replace(/cumm$/, 'mm3')
    .replace(/×/g, 'x')
    .replace(/\^/g, '*')
    .replace(/^x?10(?:e|\*)?(\d+)\//, '10*$1/')
    .replace(/^x10\*/, '10*');
}

const BY_KEY = new Map<string, UnitDef>();
for (const u of UNITS) BY_KEY.set(unitKey(u.canonical), u);
for (const [alias, canonical] of Object.entries(ALIASES)) {
  const def = UNITS.find((u) => u.canonical === canonical);
  if (def) BY_KEY.set(alias, def);
}

function lookup(units: string): UnitDef | undefined {
  return BY_KEY.get(unitKey(units));
}

/** The canonical UCUM spelling of a unit ('MMOL/L' -> 'mmol/L', 'K/uL' -> '10*3/uL'), or undefined when unknown. */
export function normaliseUnits(units: string): string | undefined {
  return lookup(units)?.canonical;
}

/** What it takes to cross kinds: mass needs the molar mass, equivalents the valence. */
export interface Chemistry {
  /** g/mol. */
  molarMass?: number;
  valence?: number;
}

export type ConversionFailure = 'units-missing' | 'units-unknown' | 'units-incompatible';

export type Conversion = { ok: true; value: number; units: string } | { ok: false; reason: ConversionFailure };

/** Removes binary floating-point noise (66 g/L / 10 stays 6.6, not 6.6000000000000005). */
export function tidy(n: number): number {
  return Number(n.toPrecision(12));
}

/** A value of the kind's base unit, as mmol/L; undefined when the chemistry needed is not known. */
function toSubstance(base: number, kind: UnitKind, chem: Chemistry): number | undefined {
  if (kind === 'substance') return base;
  if (kind === 'mass' && chem.molarMass) return (base * 1000) / chem.molarMass;
  if (kind === 'equivalents' && chem.valence) return base / Math.abs(chem.valence);
  return undefined;
}

function fromSubstance(mmol: number, kind: UnitKind, chem: Chemistry): number | undefined {
  if (kind === 'substance') return mmol;
  if (kind === 'mass' && chem.molarMass) return (mmol * chem.molarMass) / 1000;
  if (kind === 'equivalents' && chem.valence) return mmol * Math.abs(chem.valence);
  return undefined;
}

/** No units given ('1' is UCUM's unity, which some senders use for "none"). */
export function blankUnits(units: string | undefined): boolean {
  return units === undefined || units.trim() === '' || units.trim() === '1';
}

/**
 * Converts a value to the target units. Missing units are accepted only for a ratio (an INR is
 * unitless, and often sent without units); for anything else they are a failure, not an assumption.
 */
export function convertUnits(value: number, from: string | undefined, to: string, chem: Chemistry = {}): Conversion {
  const target = lookup(to);
  if (!target) return { ok: false, reason: 'units-unknown' };
  if (from === undefined || blankUnits(from)) return target.kind === 'ratio' ? { ok: true, value, units: target.canonical } : { ok: false, reason: 'units-missing' };
  const source = lookup(from);
  if (!source) return { ok: false, reason: 'units-unknown' };
  if (source === target) return { ok: true, value, units: target.canonical };
  const base = value * source.factor;
  let converted: number | undefined;
  if (source.kind === target.kind) converted = base;
  else {
    const mmol = toSubstance(base, source.kind, chem);
    converted = mmol === undefined ? undefined : fromSubstance(mmol, target.kind, chem);
  }
  if (converted === undefined) return { ok: false, reason: 'units-incompatible' };
  return { ok: true, value: tidy(converted / target.factor), units: target.canonical };
}

/** Units as a clinician reads them: the INR's UCUM annotation is dropped. */
export function displayUnits(units: string | undefined): string {
  if (units === undefined) return '';
  return units === '{INR}' ? '' : units;
}
