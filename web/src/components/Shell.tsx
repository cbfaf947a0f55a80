import { FluentProvider } from '@fluentui/react-components';
import { useMemo, type ReactNode } from 'react';
import { PaletteContext } from '../context';
import type { ThemeName } from '../host';
import { chartPalette, fluentTheme } from '../theme';

/** The Teams look (light, dark or high contrast) and the chart colours that go with it. */
export const Shell = ({ theme, children }: { theme: ThemeName; children: ReactNode }) => {
  const fluent = fluentTheme(theme);
  const palette = useMemo(() => chartPalette(fluent, theme), [fluent, theme]);
  return (
    <FluentProvider theme={fluent} className="shell" data-theme={theme} data-testid="shell">
      <PaletteContext.Provider value={palette}>
        <main className="main">{children}</main>
      </PaletteContext.Provider>
    </FluentProvider>
  );
};
