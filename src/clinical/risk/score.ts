// The shape every risk score takes in vigil's outputs: the total, its band, each component with the
// value it was computed from and its points, what was missing, and the rule with its version.
export interface ScoreComponent {
  id: string;
  name: string;
  /** What the points were computed from; null when missing. */
  value: number | string | boolean | null;
  units?: string;
  /** When the value was charted (vital signs), so a reader sees how fresh it was. */
  observed_at?: string;
  /** The event the value came from. */
  source_event_id?: string;
  /** null when the component could not be scored. */
  points: number | null;
  detail?: string;
}

export interface RiskScore {
  score_id: 'news2' | 'charlson' | 'lace';
  name: string;
  /** Sum of the points of the components that could be scored. */
  score: number;
  /** null when missing components leave the band open. */
  band: string | null;
  /** When the band is open: the band the scored components already reach. */
  band_at_least?: string;
  /** False when a component is missing: the score is then a lower bound. */
  complete: boolean;
  missing: string[];
  components: ScoreComponent[];
  rule: { id: string; version: string; source: string };
  explanation: string;
}

/** A step table: the first step whose `max` is at or above the value (no `max`: everything above). */
export interface Band {
  max?: number;
  points: number;
}

export function pointsIn(bands: readonly Band[], value: number): number {
  for (const b of bands) if (b.max === undefined || value <= b.max) return b.points;
  throw new RangeError('a band table must end with a band without max');
}

/** A table by lowest value: the last step whose `from` is at or below the value. */
export interface Step {
  from: number;
  points: number;
}

export function pointsFrom(steps: readonly Step[], value: number): number {
  let points: number | undefined;
  for (const s of steps) if (value >= s.from) points = s.points;
  if (points === undefined) throw new RangeError('the value is below the first step');
  return points;
}

export function citations(sources: readonly { citation: string }[]): string {
  return sources.map((s) => s.citation).join(' | ');
}
