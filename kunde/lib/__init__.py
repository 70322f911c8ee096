"""Pure helpers with no Django models: number checks, money, formats, the register client."""
