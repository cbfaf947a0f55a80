import {
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  type Theme,
} from '@fluentui/react-components';
import type { ThemeName } from './host';

export const fluentTheme = (name: ThemeName): Theme => {
  if (name === 'dark') return teamsDarkTheme;
  if (name === 'contrast') return teamsHighContrastTheme;
  return teamsLightTheme;
};

/** Chart colours from the theme's tokens, so charts read in light, dark and high contrast. */
export interface ChartPalette {
  text: string;
  grid: string;
  series: string[];
  background: string;
}

export const chartPalette = (theme: Theme, name: ThemeName): ChartPalette => {
  if (name === 'contrast') {
    // High contrast: the system's few colours only (text, link, highlight), no subtle tints.
    return {
      text: theme.colorNeutralForeground1,
      grid: theme.colorNeutralStroke1,
      series: [theme.colorBrandForeground1, theme.colorNeutralForeground1, theme.colorCompoundBrandStroke],
      background: theme.colorNeutralBackground1,
    };
  }
  return {
    text: theme.colorNeutralForeground2,
    grid: theme.colorNeutralStroke2,
    series: [
      theme.colorBrandForeground1,
      theme.colorPaletteDarkOrangeForeground1,
      theme.colorPaletteGreenForeground1,
      theme.colorPaletteBerryForeground1,
    ],
    background: theme.colorNeutralBackground1,
  };
};
