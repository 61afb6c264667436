// Insurance plans of the simulated patients (IN1). The mix: nearly everyone 65 or older has
// Medicare, about half of them through a Medicare Advantage plan (KFF, Medicare Advantage in 2024:
// 54% of eligible beneficiaries); younger adults are mostly commercially insured or on Medicaid,
// with a few uninsured (self-pay, no IN1), loosely after HCUP's expected-payer shares of stays.

import type { Random } from './random.ts';

export interface Plan {
  /** IN1-2 plan id. */
  planId: string;
  planName: string;
  /** IN1-3 insurance company id (payer id). */
  payerId: string;
  /** IN1-4 insurance company name. */
  payerName: string;
  /** IN1-15 plan type. */
  planType: string;
}

export const PLANS = {
  medicare: { planId: 'MCR-AB', planName: 'Medicare Part A and B', payerId: 'CMS', payerName: 'Medicare', planType: 'MC' },
  medicareAdvantage: { planId: 'HUM-MAPD', planName: 'Humana Gold Plus HMO', payerId: 'HUMANA', payerName: 'Humana', planType: 'MA' },
  medicareAdvantageUhc: { planId: 'UHC-MA', planName: 'AARP Medicare Advantage', payerId: 'UHC', payerName: 'UnitedHealthcare', planType: 'MA' },
  medicaid: { planId: 'MCD-STATE', planName: 'State Medicaid', payerId: 'MCD', payerName: 'Medicaid', planType: 'MD' },
  bcbs: { planId: 'BCBS-PPO', planName: 'Blue Cross Blue Shield PPO', payerId: 'BCBS', payerName: 'Blue Cross Blue Shield', planType: 'PPO' },
  aetna: { planId: 'AET-POS', planName: 'Aetna Choice POS II', payerId: 'AETNA', payerName: 'Aetna', planType: 'POS' },
  uhc: { planId: 'UHC-CP', planName: 'UnitedHealthcare Choice Plus', payerId: 'UHC', payerName: 'UnitedHealthcare', planType: 'PPO' },
} as const satisfies Record<string, Plan>;

export interface CoverageInfo {
  plan: Plan;
  memberId: string;
  groupNumber: string;
}

const MEMBER_CHARS = 'ACDEFGHJKMNPQRTUVWXY0123456789';

function memberId(r: Random, length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += MEMBER_CHARS[r.int(0, MEMBER_CHARS.length - 1)];
  return id;
}

/** A plan for a patient of this age, or undefined for self-pay. */
export function drawCoverage(r: Random, age: number, canary: boolean): CoverageInfo | undefined {
  const plan: Plan | undefined =
    age >= 65
      ? r.weighted<Plan | undefined>([
          [PLANS.medicare, 0.47],
          [PLANS.medicareAdvantage, 0.28],
          [PLANS.medicareAdvantageUhc, 0.21],
          [PLANS.bcbs, 0.02],
          [undefined, 0.02],
        ])
      : r.weighted<Plan | undefined>([
          [PLANS.medicaid, 0.3],
          [PLANS.bcbs, 0.24],
          [PLANS.aetna, 0.16],
          [PLANS.uhc, 0.18],
          [PLANS.medicare, 0.05],
          [undefined, 0.07],
        ]);
  if (!plan) return undefined;
  // Member ids are identifiers of the patient: canary runs mark them too.
  const id = memberId(r, 11);
  return {
    plan,
    memberId: canary ? `CANARY${id}` : id,
    groupNumber: plan.planType === 'MC' || plan.planType === 'MD' ? '' : `G${r.int(10000, 99999)}`,
  };
}
