"""Client-side OAuth steps as plain functions returning typed results. No assertions here."""
