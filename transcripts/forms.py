from django import forms


class TranscribeForm(forms.Form):
    audio = forms.FileField(
        label="Audio file",
        help_text="A WAV recording of English speech.",
        error_messages={
            "required": "Choose an audio file to transcribe.",
            "empty": "The file is empty.",
        },
    )
