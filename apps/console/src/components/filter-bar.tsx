import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import type { FacetCount } from '../api/audit-api.client';
import { EMPTY_FILTERS, hasFilters, QUICK_RANGES, type AuditFilters, type QuickRange, type StatusFilter } from '../filters/audit-filters';
import { fromLocalInput, toLocalInput } from '../format/event.format';
import { ResourceTypeSelect } from './resource-type-select';
import type { FilterOptions } from './use-audit-data';

interface FilterBarProps {
  filters: AuditFilters;
  options: FilterOptions;
  onChange: (filters: AuditFilters) => void;
}

export function FilterBar({ filters, options, onChange }: FilterBarProps) {
  const set = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch });
  const setRange = (range: QuickRange) => set({ range, from: '', to: '' });
  const quick = QUICK_RANGES.find((range) => range.id === filters.range);
  return (
    <form className="filters" role="search" aria-label="Filter audit events" onSubmit={(event) => event.preventDefault()}>
      <CommittedInput
        label="Search"
        type="search"
        className="search-field"
        value={filters.q}
        placeholder="actor:alice@example.com action:role.* -status:success ip:10.0.0.0/8 created:>=2026-09-01"
        onCommit={(q) => set({ q })}
      />
      <ResourceTypeSelect selected={filters.resourceTypes} options={options.resourceTypes} onChange={(resourceTypes) => set({ resourceTypes })} />
      <CommittedInput label="Action" value={filters.action} placeholder="Any action, e.g. role.change" options={options.actions} onCommit={(action) => set({ action })} />
      <CommittedInput label="User email" type="search" value={filters.actor} placeholder="name@company.com" onCommit={(actor) => set({ actor })} />
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={filters.status} onChange={(event) => set({ status: event.target.value as StatusFilter })}>
          <option value="">Any status</option>
          <option value="success">Success</option>
          <option value="failure">Failure</option>
        </select>
      </div>
      <fieldset className="field date-range">
        <legend>Date range</legend>
        <div className="date-range__row">
          <div className="segmented" role="group" aria-label="Quick ranges">
            {QUICK_RANGES.map((range) => (
              <button key={range.id} type="button" aria-pressed={filters.range === range.id} aria-label={`Last ${range.label}`} onClick={() => setRange(range.id)}>
                {range.label}
              </button>
            ))}
          </div>
          <label className="date-range__bound">
            <span>From</span>
            <input
              type="datetime-local"
              value={quick ? '' : toLocalInput(filters.from)}
              onChange={(event) => set({ range: '', from: fromLocalInput(event.target.value), to: quick ? '' : filters.to })}
            />
          </label>
          <label className="date-range__bound">
            <span>To</span>
            <input
              type="datetime-local"
              value={quick ? '' : toLocalInput(filters.to)}
              onChange={(event) => set({ range: '', to: fromLocalInput(event.target.value), from: quick ? new Date(Date.now() - quick.ms).toISOString() : filters.from })}
            />
          </label>
        </div>
      </fieldset>
      {hasFilters(filters) ? (
        <button type="button" className="button button--quiet filters__clear" onClick={() => onChange(EMPTY_FILTERS)}>
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

interface CommittedInputProps {
  label: string;
  value: string;
  placeholder: string;
  type?: 'text' | 'search';
  className?: string;
  options?: FacetCount[];
  onCommit: (value: string) => void;
}

/** A text filter applied on Enter, on leaving the field, or on picking one of its suggestions. */
function CommittedInput({ label, value, placeholder, type = 'text', className, options, onCommit }: CommittedInputProps) {
  const id = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = (next: string) => {
    if (next.trim() !== value) onCommit(next.trim());
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') commit(text);
  };
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={text}
        placeholder={placeholder}
        list={options ? `${id}-options` : undefined}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => {
          setText(event.target.value);
          // Picking a suggestion, or clearing a search field, applies at once.
          if (event.target.value === '' || options?.some((option) => option.value === event.target.value)) commit(event.target.value);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => commit(text)}
      />
      {options ? (
        <datalist id={`${id}-options`}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {`${option.value} (${option.count.toLocaleString()})`}
            </option>
          ))}
        </datalist>
      ) : null}
    </div>
  );
}
