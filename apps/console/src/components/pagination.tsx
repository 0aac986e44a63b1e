interface PaginationProps {
  page: number;
  rangeText: string;
  /** Cursor of the previous page ('' for the first page); null when there is none. */
  previousCursor: string | null;
  nextCursor: string | null;
  disabled: boolean;
  onPage: (cursor: string, page: number) => void;
}

export function Pagination({ page, rangeText, previousCursor, nextCursor, disabled, onPage }: PaginationProps) {
  return (
    <nav className="pagination" aria-label="Pages of events">
      <span className="pagination__range">{rangeText || `Page ${page}`}</span>
      <div className="pagination__buttons">
        <button type="button" className="button" disabled={disabled || previousCursor === null} onClick={() => previousCursor !== null && onPage(previousCursor, page - 1)}>
          <span aria-hidden="true">←</span> Previous
        </button>
        <button type="button" className="button" disabled={disabled || !nextCursor} onClick={() => nextCursor && onPage(nextCursor, page + 1)}>
          Next <span aria-hidden="true">→</span>
        </button>
      </div>
    </nav>
  );
}
