import { useEffect, useRef } from 'react';
import type { FacetCount } from '../api/audit-api.client';
import { formatCount } from '../format/event.format';
import { ResourceBadge } from './badges';

interface ResourceTypeSelectProps {
  selected: string[];
  options: FacetCount[];
  onChange: (selected: string[]) => void;
}

/** Multi-select of resource types as a disclosure of checkboxes: native keyboard and screen-reader behaviour. */
export function ResourceTypeSelect({ selected, options, onChange }: ResourceTypeSelectProps) {
  const details = useRef<HTMLDetailsElement>(null);
  // A selected type stays listed even when nothing of that type is in the window.
  const listed = [...options, ...selected.filter((type) => !options.some((option) => option.value === type)).map((value) => ({ value, count: 0 }))];
  const summary = selected.length === 0 ? 'All types' : selected.length <= 2 ? selected.join(', ') : `${selected.length} types`;

  useEffect(() => {
    const close = (event: Event) => {
      const open = details.current;
      if (!open?.open) return;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !open.contains(event.target as Node)) {
        open.open = false;
        if (event instanceof KeyboardEvent) open.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  const toggle = (type: string, checked: boolean) => onChange(checked ? [...selected, type] : selected.filter((value) => value !== type));

  return (
    <div className="field">
      <span className="field__label" id="resource-type-label">
        Resource type
      </span>
      <details className="multiselect" ref={details}>
        <summary aria-labelledby="resource-type-label resource-type-summary" data-testid="resource-type-toggle">
          <span id="resource-type-summary">{summary}</span>
        </summary>
        <fieldset className="multiselect__panel">
          <legend className="visually-hidden">Resource types to show</legend>
          {listed.length === 0 ? <p className="multiselect__empty">No resource types in this range</p> : null}
          {listed.map((option) => (
            <label key={option.value} className="multiselect__option">
              <input type="checkbox" name="resourceType" value={option.value} checked={selected.includes(option.value)} onChange={(event) => toggle(option.value, event.target.checked)} />
              <ResourceBadge type={option.value} />
              <span className="multiselect__count" aria-label={`${option.count} events`}>
                {formatCount(option.count)}
              </span>
            </label>
          ))}
          {selected.length ? (
            <button type="button" className="button button--quiet multiselect__clear" onClick={() => onChange([])}>
              Show all types
            </button>
          ) : null}
        </fieldset>
      </details>
    </div>
  );
}
