import { createContext, useContext } from 'react';
import type { ChartPalette } from './theme';

export const PaletteContext = createContext<ChartPalette>({
  text: '#242424',
  grid: '#e0e0e0',
  series: ['#5b5fc7'],
  background: '#ffffff',
});

export const usePalette = (): ChartPalette => useContext(PaletteContext);
