import { Subtitle1 } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';

/** A dashboard section: a landmark with its heading and a test id. */
export const Section = ({
  testId,
  title,
  actions,
  children,
}: {
  testId: string;
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) => {
  const id = useId();
  return (
    <section className="section" aria-labelledby={id} data-testid={testId}>
      <div className="section-head">
        <Subtitle1 as="h2" id={id}>
          {title}
        </Subtitle1>
        {actions !== undefined ? <div className="section-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
};

/** Tables scroll inside their section, never the page (readable at 320 px). */
export const Scroll = ({ label, children }: { label: string; children: ReactNode }) => (
  // A focusable scroll region so keyboard users can scroll it too.
  <div className="scroll" role="region" aria-label={label} tabIndex={0}>
    {children}
  </div>
);
