import type { Policies } from '@uplink/core/browser'
import { policyText } from '../upload/human.ts'

interface Props {
  policies: Policies
  value: string | undefined
  onChange(purpose: string | undefined): void
}

/** "What are you uploading?": each purpose with its allowed types and size, before choosing. */
export function PurposeChooser({ policies, value, onChange }: Props) {
  return (
    <fieldset className="purposes">
      <legend>What are you uploading?</legend>
      <label>
        <input
          type="radio"
          name="purpose"
          checked={value === undefined}
          onChange={() => onChange(undefined)}
        />
        Anything: each file goes where its type fits
      </label>
      {Object.entries(policies).map(([purpose, policy]) => (
        <label key={purpose}>
          <input
            type="radio"
            name="purpose"
            checked={value === purpose}
            onChange={() => onChange(purpose)}
          />
          <span>
            <strong>{purpose}</strong>: {policyText(policy)}
          </span>
        </label>
      ))}
    </fieldset>
  )
}
