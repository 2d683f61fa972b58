import { AppError } from './app-error.ts'

/** Why a policy refused an upload; `field` names the input to fix. */
export type PolicyViolation =
  | 'unknown_purpose'
  | 'method_not_allowed'
  | 'type_not_allowed'
  | 'too_large'
  | 'empty'
  | 'inspection_required'

/** A catalogue `policy_violation` that also says which rule and which field. */
export class PolicyError extends AppError {
  override readonly name = 'PolicyError'
  constructor(
    readonly violation: PolicyViolation,
    readonly field: 'purpose' | 'method' | 'contentType' | 'size',
    message: string,
  ) {
    super('policy_violation', message)
  }
}
